package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Turns unit importances into per-unit learning-rate multipliers (one array per tensor, with the units' shape:
 * scalar, rows or elements). Implementations: {@link ContinuousPolicy} (the paper) and {@link SplitPolicy} (the figure).
 */
public interface LrPolicy {

    /** Multipliers per tensor, normalised across all units of all tensors together. */
    Map<String, INDArray> multipliers(Map<String, INDArray> unitImportance);
}
