package io.adept4j.train;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings of a pretraining run, validated on construction.
 *
 * @param steps              optimizer steps
 * @param batchSize          windows per step
 * @param seqLen             window length T
 * @param learningRate       peak learning rate (Adam)
 * @param minLrRatio         final learning rate as a fraction of the peak (cosine decay)
 * @param warmupSteps        linear warm-up steps
 * @param weightDecay        decoupled weight decay on matrices (AdamW)
 * @param clipNorm           global gradient-norm clip (≤ 0 = off)
 * @param evalEvery          validation every N steps (≤ 0 = only at the end)
 * @param evalBatches        batches per periodic validation (a fixed prefix of the validation set)
 * @param checkpointEvery    checkpoint every N steps (≤ 0 = only at the end)
 * @param logEvery           progress line every N steps
 * @param validationFraction share of documents held out for validation
 * @param seed               seed of initialisation, split and data order
 */
public record PretrainConfig(
        @JsonProperty("steps") int steps,
        @JsonProperty("batchSize") int batchSize,
        @JsonProperty("seqLen") int seqLen,
        @JsonProperty("learningRate") double learningRate,
        @JsonProperty("minLrRatio") double minLrRatio,
        @JsonProperty("warmupSteps") int warmupSteps,
        @JsonProperty("weightDecay") double weightDecay,
        @JsonProperty("clipNorm") double clipNorm,
        @JsonProperty("evalEvery") int evalEvery,
        @JsonProperty("evalBatches") int evalBatches,
        @JsonProperty("checkpointEvery") int checkpointEvery,
        @JsonProperty("logEvery") int logEvery,
        @JsonProperty("validationFraction") double validationFraction,
        @JsonProperty("seed") long seed) {

    /** Peak learning rate for these small models. */
    public static final double DEFAULT_LR = 3e-3;

    public PretrainConfig {
        List<String> p = new ArrayList<>();
        if (steps < 1) {
            p.add("steps must be at least 1, got " + steps);
        }
        if (batchSize < 1) {
            p.add("batchSize must be at least 1, got " + batchSize);
        }
        if (seqLen < 1) {
            p.add("seqLen must be at least 1, got " + seqLen);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            p.add("learningRate must be a positive number, got " + learningRate);
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            p.add("minLrRatio must be in [0,1], got " + minLrRatio);
        }
        if (warmupSteps < 0) {
            p.add("warmupSteps must be >= 0, got " + warmupSteps);
        }
        if (!(weightDecay >= 0)) {
            p.add("weightDecay must be >= 0, got " + weightDecay);
        }
        if (logEvery < 1) {
            p.add("logEvery must be at least 1, got " + logEvery);
        }
        if (!(validationFraction > 0 && validationFraction < 1)) {
            p.add("validationFraction must be in (0,1), got " + validationFraction);
        }
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid pretraining settings: " + String.join("; ", p));
        }
    }

    /** Sensible settings for a budget: 5 % warm-up, cosine to 10 %, wd 0.1, clip 1.0, ~10 validations. */
    public static PretrainConfig defaults(int steps, int batchSize, int seqLen, long seed) {
        int every = Math.max(10, steps / 10);
        return new PretrainConfig(steps, batchSize, seqLen, DEFAULT_LR, 0.1, Math.max(1, steps / 20), 0.1, 1.0,
                every, 8, every, Math.max(1, Math.min(10, steps / 20)), 0.05, seed);
    }
}
