package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.HashMap;
import java.util.Map;

/**
 * Runtime of {@link SplitLearningRateUpdater}: the base updater turns the gradient into its update, then the update is
 * multiplied element-wise by the multipliers. The multiplier array is the tail of the state view, laid out like the
 * flattened gradient this updater receives (c-order of the parameter in SameDiff and adept4j; the block's flattened,
 * column-major view inside DL4J updater blocks).
 */
public final class SplitLearningRateGradientUpdater implements GradientUpdater<SplitLearningRateUpdater>,
        io.adept4j.train.UnitLearningRates {

    /** Key of the multipliers in {@link #getState()}. */
    public static final String MULTIPLIERS = "lrMultiplier";

    private final SplitLearningRateUpdater config;
    private GradientUpdater<?> base;
    private INDArray multipliers;

    SplitLearningRateGradientUpdater(SplitLearningRateUpdater config) {
        this.config = config;
    }

    @Override
    public SplitLearningRateUpdater getConfig() {
        return config;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        long n = 1;
        for (long s : gradientShape) {
            n *= s;
        }
        long baseSize = config.getBase().stateSize(n);
        if (viewArray.length() != baseSize + n) {
            throw new IllegalArgumentException("state view has " + viewArray.length() + " values, expected " + (baseSize + n));
        }
        INDArray flat = viewArray.reshape(1, viewArray.length());
        INDArray baseView = baseSize > 0 ? flat.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, baseSize)) : null;
        base = config.getBase().instantiate(baseView, initialize);
        if (baseView != null) {
            base.setStateViewArray(baseView, gradientShape, gradientOrder, initialize);
        }
        multipliers = flat.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(baseSize, baseSize + n));
        if (initialize) {
            multipliers.assign(1.0);
        }
    }

    /**
     * Sets the multipliers: a scalar, or an array with as many values as the parameter, in the flattened layout of
     * the gradients this updater receives.
     */
    public void setMultipliers(INDArray values) {
        if (values.length() == 1) {
            multipliers.assign(values.getDouble(0));
        } else if (values.length() == multipliers.length()) {
            multipliers.assign(values.reshape(multipliers.shape()));
        } else {
            throw new IllegalArgumentException("multipliers have " + values.length() + " values, the parameter has "
                    + multipliers.length());
        }
    }

    /** Sets every multiplier to {@code value}. */
    public void setMultipliers(double value) {
        multipliers.assign(value);
    }

    /** The live multiplier array {@code [1, n]}. */
    @Override
    public INDArray multipliers() {
        return multipliers;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        base.applyUpdater(gradient, iteration, epoch);
        gradient.muli(multipliers.reshape(gradient.shape()));
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        Map<String, INDArray> baseState = new HashMap<>(stateMap);
        INDArray m = baseState.remove(MULTIPLIERS);
        base.setState(baseState, initialize);
        if (m != null) {
            setMultipliers(m);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> s = new HashMap<>(base.getState());
        s.put(MULTIPLIERS, multipliers);
        return s;
    }
}
