package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's mapping {@code m = 2·(1 − Ĩ)}, with {@code Ĩ} the importance normalised to [0, 1] over a group of units;
 * the most general-critical unit of a group gets 0, the least 2, and a group whose units are all equally important
 * gets 1 everywhere. Two normalisations:
 * <ul>
 *   <li>{@link Normalization#MIN_MAX} (the paper and the reference code's {@code adjust_learning_rates}):
 *       {@code Ĩ = (I − min)/(max − min)}. Importance is heavy-tailed, so most units sit near 0 and get a multiplier
 *       near 2.</li>
 *   <li>{@link Normalization#RANK}: {@code Ĩ = rank/(n − 1)} (ties share their mean rank): the same ordering, spread
 *       evenly over [0, 2], averaging exactly 1, so decoupling moves learning rate between units instead of also
 *       raising it.</li>
 * </ul>
 * and two scopes, i.e. which units are normalised together:
 * <ul>
 *   <li>{@link Scope#ALL}: every unit of every trainable tensor at once (the reference code, whose units are whole
 *       tensors). With neuron units a handful of norm elements carry the maximum and every other unit gets ≈ 2: the
 *       multipliers collapse to "twice the learning rate" (measured on the demo: mean 1.9).</li>
 *   <li>{@link Scope#TENSOR}: the units of each tensor among themselves, so every tensor keeps its own general-critical
 *       and domain-adaptive neurons (the method figure's unit-wise decoupling inside each layer). Tensors that are a
 *       single unit (tensor granularity) are normalised together, across tensors, as the reference code does.</li>
 * </ul>
 */
public final class ContinuousPolicy implements LrPolicy {

    /** How importance is normalised to [0, 1] before {@code m = 2·(1 − Ĩ)}. */
    public enum Normalization { MIN_MAX, RANK }

    /** Which units are normalised together. */
    public enum Scope { ALL, TENSOR }

    private final Normalization normalization;
    private final Scope scope;

    /** The reference code's rule: min–max over all units of all tensors. */
    public ContinuousPolicy() {
        this(Normalization.MIN_MAX, Scope.ALL);
    }

    /** A normalisation over all units of all tensors. */
    public ContinuousPolicy(Normalization normalization) {
        this(normalization, Scope.ALL);
    }

    public ContinuousPolicy(Normalization normalization, Scope scope) {
        this.normalization = normalization;
        this.scope = scope;
    }

    @Override
    public Map<String, INDArray> multipliers(Map<String, INDArray> unitImportance) {
        // Step 1: the groups of units normalised together.
        List<List<String>> groups = new ArrayList<>();
        if (scope == Scope.ALL) {
            groups.add(new ArrayList<>(unitImportance.keySet()));
        } else {
            List<String> single = new ArrayList<>();
            for (Map.Entry<String, INDArray> e : unitImportance.entrySet()) {
                if (e.getValue().length() == 1) {
                    single.add(e.getKey());
                } else {
                    groups.add(List.of(e.getKey()));
                }
            }
            if (!single.isEmpty()) {
                groups.add(single);
            }
        }
        // Step 2: m = 2·(1 − Ĩ) within each group, returned in the input's tensor order.
        Map<String, INDArray> byName = new LinkedHashMap<>();
        for (List<String> g : groups) {
            Map<String, INDArray> group = new LinkedHashMap<>();
            g.forEach(name -> group.put(name, unitImportance.get(name)));
            byName.putAll(normalization == Normalization.RANK ? byRank(group) : byMinMax(group));
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        unitImportance.keySet().forEach(name -> out.put(name, byName.get(name)));
        return out;
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
                // 2·(max − I)/(max − min) = 2·(1 − Ĩ), kept inside [0, 2] against float rounding at I = min
                m = org.nd4j.linalg.ops.transforms.Transforms.min(e.getValue().rsub(max).muli(2.0 / (max - min)), 2.0,
                        false);
            }
            out.put(e.getKey(), m);
        }
        return out;
    }

    private static Map<String, INDArray> byRank(Map<String, INDArray> unitImportance) {
        double[] all = LrPolicy.allUnits(unitImportance);
        int n = all.length;
        double[] sorted = all.clone();
        Arrays.sort(sorted);
        Map<String, INDArray> out = new LinkedHashMap<>();
        int o = 0;
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
