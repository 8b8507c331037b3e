package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The paper's mapping {@code m = 2·(1 − Ĩ)}, with {@code Ĩ} the importance normalised over all units of all trainable
 * tensors at once; the most general-critical unit gets 0, the least 2. If every unit is equally important, every
 * multiplier is 1. Two normalisations:
 * <ul>
 *   <li>{@link Normalization#MIN_MAX} (the paper and the reference code's {@code adjust_learning_rates}):
 *       {@code Ĩ = (I − min)/(max − min)}. Importance is heavy-tailed, so most units sit near 0 and get a multiplier
 *       near 2: the average multiplier measured on the demo was 1.9, i.e. training runs at nearly twice the base
 *       learning rate.</li>
 *   <li>{@link Normalization#RANK}: {@code Ĩ = rank/(n − 1)} (ties share their mean rank): the same ordering, but the
 *       multipliers are spread evenly over [0, 2] and average exactly 1, so decoupling redistributes the learning rate
 *       between units instead of also raising it.</li>
 * </ul>
 */
public final class ContinuousPolicy implements LrPolicy {

    /** How importance is normalised to [0, 1] before {@code m = 2·(1 − Ĩ)}. */
    public enum Normalization { MIN_MAX, RANK }

    private final Normalization normalization;

    /** The paper's min-max normalisation. */
    public ContinuousPolicy() {
        this(Normalization.MIN_MAX);
    }

    public ContinuousPolicy(Normalization normalization) {
        this.normalization = normalization;
    }

    @Override
    public Map<String, INDArray> multipliers(Map<String, INDArray> unitImportance) {
        return normalization == Normalization.RANK ? byRank(unitImportance) : byMinMax(unitImportance);
    }

    private static Map<String, INDArray> byMinMax(Map<String, INDArray> unitImportance) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (INDArray a : unitImportance.values()) {
            min = Math.min(min, a.minNumber().doubleValue());
            max = Math.max(max, a.maxNumber().doubleValue());
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : unitImportance.entrySet()) {
            INDArray m;
            if (max == min) {
                m = e.getValue().dup().assign(1.0);
            } else {
                m = e.getValue().rsub(max).muli(2.0 / (max - min)); // 2·(max − I)/(max − min) = 2·(1 − Ĩ)
            }
            out.put(e.getKey(), m);
        }
        return out;
    }

    private static Map<String, INDArray> byRank(Map<String, INDArray> unitImportance) {
        int n = 0;
        for (INDArray a : unitImportance.values()) {
            n += (int) a.length();
        }
        double[] all = new double[n];
        int o = 0;
        for (INDArray a : unitImportance.values()) {
            double[] v = a.reshape(-1).toDoubleVector();
            System.arraycopy(v, 0, all, o, v.length);
            o += v.length;
        }
        double[] sorted = all.clone();
        Arrays.sort(sorted);
        Map<String, INDArray> out = new LinkedHashMap<>();
        o = 0;
        for (Map.Entry<String, INDArray> e : unitImportance.entrySet()) {
            INDArray a = e.getValue();
            double[] m = new double[(int) a.length()];
            for (int i = 0; i < m.length; i++) {
                double rank = meanRank(sorted, all[o + i]);
                m[i] = n == 1 ? 1.0 : 2.0 * (1 - rank / (n - 1));
            }
            o += m.length;
            out.put(e.getKey(), Nd4j.createFromArray(m).castTo(a.dataType()).reshape(a.shape()));
        }
        return out;
    }

    /** 0-based rank of {@code v} in {@code sorted}; equal values share the mean of their ranks. */
    private static double meanRank(double[] sorted, double v) {
        int lo = lowerBound(sorted, v);
        int hi = lowerBound(sorted, Math.nextUp(v)) - 1;
        return (lo + hi) / 2.0;
    }

    private static int lowerBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
