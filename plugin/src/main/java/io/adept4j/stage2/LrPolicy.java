package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns unit importances into per-unit learning-rate multipliers (one array per tensor, with the units' shape:
 * scalar, rows or elements). Implementations: {@link ContinuousPolicy} (the paper, min–max or rank normalised),
 * {@link SplitPolicy} (the figure's two-way split) and {@link #UNIFORM} (every multiplier 1: the baselines). Both model
 * kinds take their policy from {@link Policy#policy}.
 */
public interface LrPolicy {

    /** Every multiplier 1: one learning rate, no decoupling. */
    LrPolicy UNIFORM = units -> {
        Map<String, INDArray> ones = new LinkedHashMap<>();
        units.forEach((k, v) -> ones.put(k, Nd4j.onesLike(v)));
        return ones;
    };

    /** Multipliers per tensor, normalised across all units of all tensors together. */
    Map<String, INDArray> multipliers(Map<String, INDArray> unitImportance);

    /** Every unit's value of every tensor, tensor after tensor in the map's order (what rank and quantile rules sort). */
    static double[] allUnits(Map<String, INDArray> units) {
        int n = 0;
        for (INDArray a : units.values()) {
            n += (int) a.length();
        }
        double[] all = new double[n];
        int o = 0;
        for (INDArray a : units.values()) {
            double[] v = a.reshape(-1).toDoubleVector();
            System.arraycopy(v, 0, all, o, v.length);
            o += v.length;
        }
        return all;
    }
}
