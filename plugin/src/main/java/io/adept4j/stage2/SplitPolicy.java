package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The method figure's two-way split: units whose importance is above the {@code quantile} of all units are
 * general-critical and get {@code lo}; the rest are domain-adaptive and get {@code hi}.
 *
 * @param quantile share of units below the threshold, in (0, 1)
 * @param hi       multiplier of domain-adaptive units
 * @param lo       multiplier of general-critical units
 */
public record SplitPolicy(double quantile, double hi, double lo) implements LrPolicy {

    public SplitPolicy {
        if (!(quantile > 0 && quantile < 1)) {
            throw new IllegalArgumentException("'splitQuantile' must be in (0, 1), got " + quantile);
        }
        if (!(hi >= 0) || !(lo >= 0)) {
            throw new IllegalArgumentException("'splitHi' and 'splitLo' must be >= 0, got " + hi + " and " + lo);
        }
    }

    /**
     * The split as one number, the learning-rate ratio {@code r = hi / lo} of domain-adaptive to general-critical units:
     * {@code hi = 2r/(r+1)}, {@code lo = 2/(r+1)}, so at the median split the mean multiplier stays 1 and r only moves
     * learning rate from general-critical units to domain-adaptive ones.
     *
     * @throws IllegalArgumentException unless {@code r >= 1} (r = 1 is one learning rate; r < 1 would invert ADEPT,
     *                                  giving general-critical units the higher rate)
     */
    public static SplitPolicy ofRatio(double quantile, double ratio) {
        if (!(ratio >= 1) || Double.isInfinite(ratio)) {
            throw new IllegalArgumentException("the learning-rate ratio (lrRatio) must be a finite number >= 1, got "
                    + ratio + " (below 1 general-critical units would learn faster than domain-adaptive ones)");
        }
        return new SplitPolicy(quantile, 2 * ratio / (ratio + 1), 2 / (ratio + 1));
    }

    @Override
    public Map<String, INDArray> multipliers(Map<String, INDArray> unitImportance) {
        double[] all = LrPolicy.allUnits(unitImportance);
        int n = all.length;
        Arrays.sort(all);
        double threshold = all[Math.min(n - 1, (int) Math.floor(quantile * n))];
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : unitImportance.entrySet()) {
            INDArray m = e.getValue().dup();
            for (long k = 0; k < m.length(); k++) {
                m.putScalar(k, m.getDouble(k) >= threshold ? lo : hi);
            }
            out.put(e.getKey(), m);
        }
        return out;
    }
}
