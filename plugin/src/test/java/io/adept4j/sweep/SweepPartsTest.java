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
        // the ratio is defined, and checked, by the split policy: below 1 it would invert ADEPT
        for (double bad : new double[]{0, 0.5, Double.NaN}) {
            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new SweepPoint(Map.of("lrRatio", bad)).overrides()).getMessage().contains(">= 1"));
        }
        io.adept4j.stage2.SplitPolicy one = io.adept4j.stage2.SplitPolicy.ofRatio(0.5, 1);
        assertEquals(1.0, one.hi(), 0);
        assertEquals(1.0, one.lo(), 0);
    }

    @Test
    void aSweepFileWithAnInvertingRatioOrARatioBesideAPolicyIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        String[][] cases = {
                {"{\"lrRatio\": {\"values\": [0.5, 4]}}", ">= 1"},
                {"{\"lrRatio\": {\"uniform\": [0, 4]}}", ">= 1"},
                {"{\"lrRatio\": {\"values\": [2, 4]}, \"policy\": {\"values\": [\"rank\", \"split\"]}}", "not both"},
        };
        for (String[] c : cases) {
            java.nio.file.Path f = tmp.resolve("s" + Math.abs(c[0].hashCode()) + ".json");
            java.nio.file.Files.writeString(f, "{\"space\": " + c[0] + "}");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SweepSettings.load(f, Map.of()));
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void aSweepFilesSparkSettingsAreReadAndCheckedWithItsMaster(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        String space = "\"space\": {\"lrRatio\": {\"values\": [2, 4]}}";
        java.nio.file.Path ok = tmp.resolve("ok.json");
        java.nio.file.Files.writeString(ok, "{" + space + ", \"spark\": {\"master\": \"yarn\", \"conf\": "
                + "{\"spark.executor.instances\": 4, \"spark.yarn.queue\": \"research\"}}}");
        SweepSettings s = SweepSettings.load(ok, Map.of());
        assertEquals("yarn", s.sparkMaster());
        assertEquals(Map.of("spark.executor.instances", "4", "spark.yarn.queue", "research"), s.sparkConf());
        assertEquals(Map.of("spark.executor.instances", "8", "spark.yarn.queue", "research"),
                s.withSparkConf(Map.of("spark.executor.instances", "8")).sparkConf(), "the command line's value wins");
        assertEquals(s.sparkConf(), s.onSpark("local[2]").sparkConf(), "another master keeps the settings");
        String[][] bad = {
                {"{\"master\": \"yarn\", \"conf\": {\"executor.instances\": 4}}", "'executor.instances'"},
                {"{\"master\": \"yarn\", \"conf\": {\"spark.master\": \"local\"}}", "'spark.master'"},
                {"{\"master\": \"yarn\", \"conf\": {\"spark.executor.instances\": [4]}}", "single value"},
                {"{\"master\": \"yarn\", \"queue\": \"research\"}", "conf: {spark.KEY"},
                {"{\"master\": \"yarn\", \"conf\": {\"spark.submit.deployMode\": \"cluster\"}}", "client mode"},
        };
        for (String[] c : bad) {
            java.nio.file.Path f = tmp.resolve("b" + Math.abs(c[0].hashCode()) + ".json");
            java.nio.file.Files.writeString(f, "{" + space + ", \"spark\": " + c[0] + "}");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SweepSettings.load(f, Map.of()));
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
        java.nio.file.Path none = tmp.resolve("none.json");
        java.nio.file.Files.writeString(none, "{" + space + "}");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SweepSettings.load(none, Map.of()).withSparkConf(Map.of("spark.executor.instances", "2")));
        assertTrue(e.getMessage().contains("needs a master"), e.getMessage());
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
