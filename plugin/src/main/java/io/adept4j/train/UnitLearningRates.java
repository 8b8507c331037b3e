package io.adept4j.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A per-parameter updater whose step is scaled unit by unit (a learning-rate multiplier per element). The optimizer
 * scales decoupled weight decay by the same multipliers, so a unit with multiplier 0 neither learns nor decays; the
 * training layer needs nothing more of the method that sets them.
 */
public interface UnitLearningRates {

    /** The live multipliers, one per element of the parameter, in the updater's flattened layout. */
    INDArray multipliers();
}
