package io.adept4j.sweep;

import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepPartsTest {

    @Test
    void paretoFrontKeepsExactlyTheNonDominatedPoints() {
        //            0    1    2    3    4    5    6
        double[] x = {1.0, 2.0, 3.0, 2.5, 1.0, 4.0, Double.NaN};
        double[] y = {5.0, 3.0, 1.0, 3.5, 6.0, 0.5, 0.1};
        // 3 is dominated by 1; 4 by 0 (same x, worse y); 6 failed (NaN) and is never on the front
        assertEquals(List.of(0, 1, 2, 5), ParetoFront.of(x, y));
        assertEquals(List.of(0), ParetoFront.of(new double[]{1}, new double[]{1}));
        assertEquals(List.of(0, 1), ParetoFront.of(new double[]{1, 1}, new double[]{2, 2}), "ties both stay");
        assertThrows(IllegalArgumentException.class, () -> ParetoFront.of(new double[]{1}, new double[]{}));
    }

    @Test
    void lrRatioBecomesSplitMultipliersWithTheRatioAndMeanOne() {
        SweepPoint p = new SweepPoint(Map.of("lrRatio", 8.0, "k", 2));
        Map<String, Object> o = p.overrides();
        assertEquals("split", o.get("policy"));
        double hi = (Double) o.get("splitHi");
        double lo = (Double) o.get("splitLo");
        assertEquals(8.0, hi / lo, 1e-12);
        assertEquals(1.0, (hi + lo) / 2, 1e-12);
        assertEquals(2L, o.get("k"), "integers become config longs");
        assertEquals("k=2,lrRatio=8.00000", p.key());
    }

    @Test
    void theSpaceGridCoversEveryCombinationOnce() {
        AdeptSpace space = AdeptSpace.builder().k(1, 2).lrRatios(2.0, 8.0).granularity("tensor", "neuron").build();
        assertEquals(3, space.numParameters());
        GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(space, 2,
                GridSearchCandidateGenerator.Mode.Sequential, null);
        assertEquals(8, grid.getTotalNumCandidates());
        Set<String> keys = new HashSet<>();
        while (grid.hasMoreCandidates()) {
            keys.add(((SweepPoint) grid.getCandidate().getValue()).key());
        }
        assertEquals(8, keys.size());
        assertTrue(keys.contains("granularity=tensor,k=1,lrRatio=2.00000"), keys.toString());
        LogUniformSpace lr = new LogUniformSpace(1e-4, 1e-2);
        lr.setIndices(0);
        assertEquals(1e-3, lr.getValue(new double[]{0.5}), 1e-12, "the middle of a log range is the geometric mean");
        assertThrows(IllegalArgumentException.class, () -> new LogUniformSpace(0, 1));
    }
}
