package io.adept4j.stage2;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Locale;

/**
 * The learning-rate policies a user can name in the settings ({@code policy: rank}), each made into its
 * {@link LrPolicy} in one place, {@link #policy}, for both model kinds.
 */
public enum Policy {
    /**
     * The paper's {@code m = 2·(1 − Ĩ)} with Ĩ min–max normalised within each tensor; tensor units are normalised
     * across tensors, exactly as the reference code ({@link ContinuousPolicy.Scope#TENSOR}).
     */
    CONTINUOUS,
    /** The same with rank-normalised Ĩ: the ordering spread evenly over [0, 2], multipliers averaging 1. */
    RANK,
    /** Min–max over all units of all tensors at once (at neuron granularity nearly every unit then gets ≈ 2). */
    CONTINUOUS_GLOBAL,
    /** Rank over all units of all tensors at once. */
    RANK_GLOBAL,
    /** The method figure's two-way split at a quantile, with its two multipliers ({@link SplitPolicy}). */
    SPLIT,
    /** Every multiplier 1, no importance computed: the baselines without decoupled learning rates. */
    UNIFORM;

    /** The name in configs, on the command line and in result.json: {@code continuous-global}. */
    @JsonValue
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a {@link #configName()}. */
    @JsonCreator
    public static Policy parse(String name) {
        for (Policy p : values()) {
            if (p.configName().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("'policy' must be one of " + Arrays.stream(values()).map(Policy::configName)
                .toList() + ", got " + name);
    }

    /**
     * This policy as a function from unit importance to multipliers; the split bounds are used (and checked) only by
     * {@link #SPLIT}.
     */
    public LrPolicy policy(double splitQuantile, double splitHi, double splitLo) {
        return switch (this) {
            case CONTINUOUS -> new ContinuousPolicy(ContinuousPolicy.Normalization.MIN_MAX, ContinuousPolicy.Scope.TENSOR);
            case RANK -> new ContinuousPolicy(ContinuousPolicy.Normalization.RANK, ContinuousPolicy.Scope.TENSOR);
            case CONTINUOUS_GLOBAL -> new ContinuousPolicy(ContinuousPolicy.Normalization.MIN_MAX, ContinuousPolicy.Scope.ALL);
            case RANK_GLOBAL -> new ContinuousPolicy(ContinuousPolicy.Normalization.RANK, ContinuousPolicy.Scope.ALL);
            case SPLIT -> new SplitPolicy(splitQuantile, splitHi, splitLo);
            case UNIFORM -> LrPolicy.UNIFORM;
        };
    }

    /** Whether units get different learning rates (false for {@link #UNIFORM}: no importance is computed). */
    public boolean decoupled() {
        return this != UNIFORM;
    }
}
