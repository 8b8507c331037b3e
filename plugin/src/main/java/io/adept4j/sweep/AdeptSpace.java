package io.adept4j.sweep;

import org.deeplearning4j.arbiter.optimize.api.AbstractParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Arbiter {@link ParameterSpace} over ADEPT's knobs, composed of one named leaf per knob: K, the LR ratio, the base
 * learning rate (log-uniform), importance granularity and LR policy, refresh interval, replay weight, or any other
 * {@code adept run} config key. Its value is a {@link SweepPoint}.
 */
public final class AdeptSpace extends AbstractParameterSpace<SweepPoint> {

    private final LinkedHashMap<String, ParameterSpace<?>> knobs;

    private AdeptSpace(LinkedHashMap<String, ParameterSpace<?>> knobs) {
        this.knobs = knobs;
        int i = 0;
        for (ParameterSpace<?> p : knobs.values()) {
            int n = p.numParameters();
            int[] idx = new int[n];
            for (int j = 0; j < n; j++) {
                idx[j] = i++;
            }
            if (n > 0) {
                p.setIndices(idx);
            }
        }
    }

    /** Starts an empty space. */
    public static Builder builder() {
        return new Builder();
    }

    /** The knobs by name. */
    public Map<String, ParameterSpace<?>> knobs() {
        return java.util.Collections.unmodifiableMap(knobs);
    }

    @Override
    public SweepPoint getValue(double[] input) {
        Map<String, Object> v = new LinkedHashMap<>();
        knobs.forEach((name, space) -> v.put(name, space.getValue(input)));
        return new SweepPoint(v);
    }

    @Override
    public int numParameters() {
        return knobs.values().stream().mapToInt(ParameterSpace::numParameters).sum();
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        List<ParameterSpace> out = new ArrayList<>();
        knobs.values().forEach(p -> out.addAll(p.collectLeaves()));
        return out;
    }

    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        return new LinkedHashMap<>(knobs);
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("AdeptSpace assigns its leaves' indices itself");
    }

    /** Adds knobs; {@link #build()} fixes their order and indices. */
    public static final class Builder {
        private final LinkedHashMap<String, ParameterSpace<?>> knobs = new LinkedHashMap<>();

        /** Blocks to copy, {@code min..max}. */
        public Builder k(int min, int max) {
            return knob("k", new IntegerParameterSpace(min, max));
        }

        /** Ratio of the domain-adaptive to the general-critical units' learning rate (split policy), linear range. */
        public Builder lrRatio(double min, double max) {
            io.adept4j.stage2.SplitPolicy.ofRatio(0.5, min); // validated where the ratio is defined
            return knob(SweepPoint.LR_RATIO, new ContinuousParameterSpace(min, max));
        }

        /** Explicit LR ratios (a grid sweeps exactly these). */
        public Builder lrRatios(Double... values) {
            for (Double v : values) {
                io.adept4j.stage2.SplitPolicy.ofRatio(0.5, v);
            }
            return knob(SweepPoint.LR_RATIO, new DiscreteParameterSpace<>(values));
        }

        /** Base learning rate, log-uniform. */
        public Builder learningRate(double lo, double hi) {
            return knob("learningRate", new LogUniformSpace(lo, hi));
        }

        /** Importance granularities to try: tensor, neuron, element. */
        public Builder granularity(String... values) {
            return knob("granularity", new DiscreteParameterSpace<>(values));
        }

        /** LR policies to try: continuous, rank, split. */
        public Builder policy(String... values) {
            return knob("policy", new DiscreteParameterSpace<>(values));
        }

        /** Importance refresh interval, {@code min..max} steps. */
        public Builder refreshEvery(int min, int max) {
            return knob("refreshEvery", new IntegerParameterSpace(min, max));
        }

        /** Replay weight of the replay baseline, linear range. */
        public Builder replayWeight(double min, double max) {
            return knob("replayWeight", new ContinuousParameterSpace(min, max));
        }

        /** Any other {@code adept run} key with its own space (its values must be of the key's kind). */
        public Builder knob(String name, ParameterSpace<?> space) {
            if (knobs.putIfAbsent(name, space) != null) {
                throw new IllegalArgumentException("knob " + name + " is already in the space");
            }
            return this;
        }

        public AdeptSpace build() {
            if (knobs.isEmpty()) {
                throw new IllegalArgumentException("a sweep space needs at least one knob");
            }
            return new AdeptSpace(new LinkedHashMap<>(knobs));
        }
    }
}
