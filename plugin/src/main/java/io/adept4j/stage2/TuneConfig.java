package io.adept4j.stage2;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;

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
 * @param policy         {@code continuous} (m = 2·(1 − Ĩ)) or {@code split}
 * @param splitQuantile  split policy: importance quantile above which units are general-critical
 * @param splitHi        split policy: multiplier of domain-adaptive units
 * @param splitLo        split policy: multiplier of general-critical units
 * @param probeBatches   general probe batches per importance refresh
 * @param evalEvery      general and domain validation every N steps (≤ 0 = only at the ends)
 * @param evalBatches    batches per periodic validation
 * @param replayWeight   share of general windows mixed into the domain batches (0 = none)
 * @param seed           seed of data order and split
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
        @JsonProperty("seed") long seed) {

    /** The reference implementation's refresh interval. */
    public static final int DEFAULT_REFRESH = 500;

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
        if (!policy.equals("continuous") && !policy.equals("split")) {
            p.add("policy must be continuous or split, got " + policy);
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
                Granularity.NEURON, "continuous", 0.5, 2.0, 0.1, 4, every, 8, 0.0, seed);
    }

    /** The LR policy these settings name. */
    public LrPolicy lrPolicy() {
        return policy.equals("split") ? new SplitPolicy(splitQuantile, splitHi, splitLo) : new ContinuousPolicy();
    }
}
