package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The paper's mapping: {@code m = 2·(1 − Ĩ)} with {@code Ĩ} the importance min-max normalised over all units of all
 * trainable tensors at once (as the reference code's {@code adjust_learning_rates}); the most general-critical unit
 * gets 0, the least 2, the average stays near 1. If every unit is equally important, every multiplier is 1.
 */
public final class ContinuousPolicy implements LrPolicy {

    @Override
    public Map<String, INDArray> multipliers(Map<String, INDArray> unitImportance) {
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
}
