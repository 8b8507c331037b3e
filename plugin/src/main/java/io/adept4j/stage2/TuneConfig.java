package io.adept4j.stage2;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of ADEPT's decoupled tuning, validated on construction.
 *
 * @param steps          optimizer steps on the domain corpus
 * @param batchSize      windows per step
 * @param learningRate   base learning rate (peak of warm-up + cosine)
 * @param warmupSteps    linear warm-up steps
 * @param weightDecay    decoupled weight decay of the copies' matrices, scaled by each unit's multiplier
 * @param clipNorm       global gradient-norm clip (≤ 0 = off)
 * @param refreshEvery   recompute importance and multipliers every N steps (the reference: 500)
 * @param initialProbe   compute multipliers before the first step (else uniform 1 until the first refresh, as the
 *                       reference)
 * @param granularity    unit of importance: tensor, neuron or element
 * @param policy         {@code continuous} (m = 2·(1 − Ĩ), Ĩ min-max normalised: the paper), {@code rank} (the same
 *                       with rank-normalised Ĩ: multipliers average 1), {@code split}, or {@code uniform} (every multiplier 1,
 *                       no importance refresh: the baselines without decoupled learning rates)
 * @param splitQuantile  split policy: importance quantile above which units are general-critical
 * @param splitHi        split policy: multiplier of domain-adaptive units
 * @param splitLo        split policy: multiplier of general-critical units
 * @param probeBatches   general probe batches per importance refresh
 * @param evalEvery      general and domain validation every N steps (≤ 0 = only at the ends)
 * @param evalBatches    batches per periodic validation
 * @param replayWeight   share of general windows mixed into the domain batches (0 = none)
 * @param seed           seed of data order and split
 * @param forgettingMargin forgetting guard: allowed rise of the general validation loss over its start, nats/token
 * @param guard          what the guard does beyond the margin: {@code off}, {@code warn} or {@code stop} (the run
 *                       then ends early, keeps what it trained and says so in its result)
 */
public record TuneConfig(
        @JsonProperty("steps") int steps,
        @JsonProperty("batchSize") int batchSize,
        @JsonProperty("learningRate") double learningRate,
        @JsonProperty("warmupSteps") int warmupSteps,
        @JsonProperty("weightDecay") double weightDecay,
        @JsonProperty("clipNorm") double clipNorm,
        @JsonProperty("refreshEvery") int refreshEvery,
        @JsonProperty("initialProbe") boolean initialProbe,
        @JsonProperty("granularity") Granularity granularity,
        @JsonProperty("policy") String policy,
        @JsonProperty("splitQuantile") double splitQuantile,
        @JsonProperty("splitHi") double splitHi,
        @JsonProperty("splitLo") double splitLo,
        @JsonProperty("probeBatches") int probeBatches,
        @JsonProperty("evalEvery") int evalEvery,
        @JsonProperty("evalBatches") int evalBatches,
        @JsonProperty("replayWeight") double replayWeight,
        @JsonProperty("seed") long seed,
        @JsonProperty("forgettingMargin") double forgettingMargin,
        @JsonProperty("guard") String guard) {

    /** The reference implementation's refresh interval. */
    public static final int DEFAULT_REFRESH = 500;
    /** Learning-rate policies by name. */
    public static final List<String> POLICIES = List.of("continuous", "rank", "split", "uniform");
    /** Forgetting-guard actions by name. */
    public static final List<String> GUARDS = List.of("off", "warn", "stop");
    /** Default forgetting margin: a rise of 1 nat per token (general perplexity × e) is worth a warning. */
    public static final double DEFAULT_FORGETTING_MARGIN = 1.0;

    public TuneConfig {
        List<String> p = new ArrayList<>();
        if (steps < 1) {
            p.add("steps must be at least 1, got " + steps);
        }
        if (batchSize < 1) {
            p.add("batchSize must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            p.add("learningRate must be a positive number, got " + learningRate);
        }
        if (refreshEvery < 1) {
            p.add("refreshEvery must be at least 1, got " + refreshEvery);
        }
        if (!POLICIES.contains(policy)) {
            p.add("policy must be one of " + POLICIES + ", got " + policy);
        }
        if (!(forgettingMargin >= 0)) {
            p.add("forgettingMargin must be >= 0 nats, got " + forgettingMargin);
        }
        if (!GUARDS.contains(guard)) {
            p.add("guard must be one of " + GUARDS + ", got " + guard);
        }
        if (probeBatches < 1) {
            p.add("probeBatches must be at least 1, got " + probeBatches);
        }
        if (!(replayWeight >= 0 && replayWeight < 1)) {
            p.add("replayWeight must be in [0,1), got " + replayWeight);
        }
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid tuning settings: " + String.join("; ", p));
        }
    }

    /** Defaults for a budget: continuous policy, neuron units, refresh every 500 steps (or a quarter of short runs). */
    public static TuneConfig defaults(int steps, int batchSize, long seed) {
        int refresh = Math.min(DEFAULT_REFRESH, Math.max(1, steps / 4));
        int every = Math.max(5, steps / 8);
        return new TuneConfig(steps, batchSize, 3e-3, Math.max(1, steps / 20), 0.0, 1.0, refresh, false,
                Granularity.NEURON, "continuous", 0.5, 2.0, 0.1, 4, every, 8, 0.0, seed, DEFAULT_FORGETTING_MARGIN, "warn");
    }

    /** The LR policy these settings name. */
    public LrPolicy lrPolicy() {
        return switch (policy) {
            case "split" -> new SplitPolicy(splitQuantile, splitHi, splitLo);
            case "rank" -> new ContinuousPolicy(ContinuousPolicy.Normalization.RANK);
            case "uniform" -> units -> {
                Map<String, INDArray> ones = new LinkedHashMap<>();
                units.forEach((k, v) -> ones.put(k, Nd4j.onesLike(v)));
                return ones;
            };
            default -> new ContinuousPolicy();
        };
    }

    /** Whether units get different learning rates (false for the uniform policy: no importance is computed). */
    public boolean decoupled() {
        return !policy.equals("uniform");
    }

}
