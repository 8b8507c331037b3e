package io.adept4j.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * Rotary frequency scaling for long contexts, as Hugging Face {@code transformers} defines it for the types adept4j
 * supports: {@code linear} (every frequency divided by {@code factor}) and {@code llama3} (long wavelengths divided by
 * {@code factor}, short ones kept, a smooth blend between). Other types (yarn, dynamic, longrope) are refused by name on
 * import rather than silently computed differently.
 *
 * @param type                          {@link #LINEAR} or {@link #LLAMA3}
 * @param factor                        scaling factor, at least 1
 * @param lowFreqFactor                 llama3 only: wavelengths above {@code original/lowFreqFactor} are fully scaled
 * @param highFreqFactor                llama3 only: wavelengths below {@code original/highFreqFactor} are kept
 * @param originalMaxPositionEmbeddings llama3 only: the context length the model was pretrained with
 */
public record RopeScaling(
        @JsonProperty("type") String type,
        @JsonProperty("factor") double factor,
        @JsonProperty("lowFreqFactor") double lowFreqFactor,
        @JsonProperty("highFreqFactor") double highFreqFactor,
        @JsonProperty("originalMaxPositionEmbeddings") int originalMaxPositionEmbeddings) {

    /** Position interpolation: every inverse frequency divided by the factor. */
    public static final String LINEAR = "linear";
    /** LLaMA 3.1's frequency-dependent scaling. */
    public static final String LLAMA3 = "llama3";

    @JsonCreator
    public RopeScaling {
        List<String> problems = new ArrayList<>();
        if (!LINEAR.equals(type) && !LLAMA3.equals(type)) {
            problems.add("rope scaling type '" + type + "' is not supported (supported: " + LINEAR + ", " + LLAMA3 + ")");
        }
        if (!(factor >= 1)) {
            problems.add("rope scaling factor must be >= 1, got " + factor);
        }
        if (LLAMA3.equals(type) && !(highFreqFactor > lowFreqFactor && lowFreqFactor > 0
                && originalMaxPositionEmbeddings > 0)) {
            problems.add("llama3 rope scaling needs high_freq_factor > low_freq_factor > 0 and a positive"
                    + " original_max_position_embeddings");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid rope scaling: " + String.join("; ", problems));
        }
    }

    /** Linear scaling by {@code factor}. */
    public static RopeScaling linear(double factor) {
        return new RopeScaling(LINEAR, factor, 0, 0, 0);
    }

    /** The rotary inverse frequencies {@code θ^(−2j/headDim)}, j < headDim/2, with {@code scaling} applied (or none). */
    public static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        double[] inv = new double[headDim / 2];
        for (int j = 0; j < inv.length; j++) {
            inv[j] = 1.0 / Math.pow(theta, (2.0 * j) / headDim);
        }
        if (scaling == null) {
            return inv;
        }
        if (LINEAR.equals(scaling.type)) {
            for (int j = 0; j < inv.length; j++) {
                inv[j] /= scaling.factor;
            }
            return inv;
        }
        double old = scaling.originalMaxPositionEmbeddings;
        double lowWavelen = old / scaling.lowFreqFactor;
        double highWavelen = old / scaling.highFreqFactor;
        for (int j = 0; j < inv.length; j++) {
            double wavelen = 2 * Math.PI / inv[j];
            if (wavelen > lowWavelen) {
                inv[j] /= scaling.factor;
            } else if (wavelen >= highWavelen) {
                double smooth = (old / wavelen - scaling.lowFreqFactor) / (scaling.highFreqFactor - scaling.lowFreqFactor);
                inv[j] = (1 - smooth) * inv[j] / scaling.factor + smooth * inv[j];
            }
        }
        return inv;
    }
}
