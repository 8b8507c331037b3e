package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ADEPT Step 4's one importance → learning-rate-multiplier pipeline, for both model kinds: element importances are
 * averaged per unit ({@link Granularity#units}), the policy maps all units to multipliers together
 * ({@link LrPolicy#multipliers}), and each unit's multiplier is spread back over its elements
 * ({@link Granularity#expand}), ready for a {@link SplitLearningRateGradientUpdater}. The backends differ only in the
 * {@link WeightLayout} of their parameters.
 *
 * @param units      unit importances per parameter
 * @param perUnit    the policy's multiplier per unit
 * @param perElement the multipliers in each parameter's shape
 */
public record LearningRateMultipliers(Map<String, INDArray> units, Map<String, INDArray> perUnit,
                                      Map<String, INDArray> perElement) {

    /**
     * @param elementImportance importance per element, parameter-shaped, in the order the multipliers come back
     */
    public static LearningRateMultipliers of(Map<String, INDArray> elementImportance, WeightLayout layout,
                                             Granularity granularity, LrPolicy policy) {
        Map<String, INDArray> units = new LinkedHashMap<>();
        elementImportance.forEach((p, e) -> units.put(p, granularity.units(e, layout)));
        Map<String, INDArray> perUnit = policy.multipliers(units);
        Map<String, INDArray> perElement = new LinkedHashMap<>();
        elementImportance.forEach((p, e) -> perElement.put(p, granularity.expand(perUnit.get(p), e.shape(), layout)));
        return new LearningRateMultipliers(units, perUnit, perElement);
    }
}
