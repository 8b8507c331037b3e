package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Map;
import java.util.Objects;

/**
 * ADEPT's split learning rate as an ND4J {@link IUpdater}: wraps any base updater (Adam, Nesterovs, Sgd, …) and
 * multiplies the base <em>update</em> (not the gradient: Adam is invariant to gradient scale) by a per-element
 * multiplier, so general-critical units move slowly and domain-adaptive ones fast. Tensor-, neuron- and element-level
 * units are all the same mechanism: a multiplier array with the parameter's layout.
 *
 * <p>The multipliers live in the updater's state array (after the base updater's state), so they are saved, loaded
 * and resumed with it by SameDiff, DL4J and adept4j's optimizer alike; they start at 1 (a plain base updater). This
 * class is the JSON-serialisable configuration; {@link SplitLearningRateGradientUpdater} is the stateful runtime.
 */
public class SplitLearningRateUpdater implements IUpdater {

    private static final long serialVersionUID = 1L;

    @JsonProperty("base")
    private IUpdater base;

    /** For JSON. */
    public SplitLearningRateUpdater() {
        this(new Adam());
    }

    public SplitLearningRateUpdater(@JsonProperty("base") IUpdater base) {
        this.base = Objects.requireNonNull(base, "base updater");
    }

    /** The wrapped update rule. */
    public IUpdater getBase() {
        return base;
    }

    @Override
    public long stateSize(long numParams) {
        return base.stateSize(numParams) + numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        SplitLearningRateGradientUpdater u = new SplitLearningRateGradientUpdater(this);
        u.setStateViewArray(viewArray, new long[]{1, numParams(viewArray.length())}, 'c', initializeViewArray);
        return u;
    }

    /** Number of parameters whose state has {@code stateLength} values (every ND4J updater's state is k·n). */
    long numParams(long stateLength) {
        long perParam = base.stateSize(1) + 1;
        if (stateLength % perParam != 0) {
            throw new IllegalArgumentException("state of length " + stateLength + " does not fit " + this);
        }
        return stateLength / perParam;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> state, boolean initializeStateArrays) {
        throw new UnsupportedOperationException("instantiate from a state array (instantiate(INDArray, boolean))");
    }

    @Override
    public IUpdater clone() {
        return new SplitLearningRateUpdater(base.clone());
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return base.getLearningRate(iteration, epoch);
    }

    @Override
    public boolean hasLearningRate() {
        return base.hasLearningRate();
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        base.setLrAndSchedule(lr, lrSchedule);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SplitLearningRateUpdater s && s.base.equals(base);
    }

    @Override
    public int hashCode() {
        return 31 * base.hashCode() + 7;
    }

    @Override
    public String toString() {
        return "SplitLearningRateUpdater(" + base + ")";
    }
}
