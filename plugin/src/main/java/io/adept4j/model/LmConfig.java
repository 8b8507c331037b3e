package io.adept4j.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.adept4j.datavec.tokenize.TokenizerSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Shape of a LLaMA-style decoder (pre-norm blocks of causal multi-head attention with rotary positions and grouped-query
 * attention, and a SwiGLU MLP; RMSNorm; optional tied LM head, Qwen3 q/k norms, Qwen2 attention biases). Validated on
 * construction, so a model that cannot work is refused before any training starts.
 *
 * @param vocabSize     token ids, must equal the tokenizer's
 * @param hiddenSize    d, the residual width
 * @param numLayers     transformer blocks
 * @param numHeads      query heads
 * @param numKvHeads    key/value heads; divides numHeads ({@code < numHeads} = grouped-query attention)
 * @param headDim       width of one head (usually hiddenSize / numHeads)
 * @param intermediateSize SwiGLU hidden width
 * @param maxSeqLen     longest sequence the rotary table covers
 * @param ropeTheta     rotary base
 * @param rmsNormEps    RMSNorm epsilon
 * @param tieEmbeddings LM head shares the token embedding matrix
 * @param qkNorm        per-head RMSNorm of queries and keys (Qwen3)
 * @param attentionBias biases on q/k/v projections (Qwen2)
 * @param tokenizer     the tokenizer the model was trained with
 * @param ropeScaling   rotary frequency scaling, or null for none
 * @param lora          low-rank adapters on the projections ({@link LoraAdapters}), or null for none
 */
public record LmConfig(
        @JsonProperty("vocabSize") int vocabSize,
        @JsonProperty("hiddenSize") int hiddenSize,
        @JsonProperty("numLayers") int numLayers,
        @JsonProperty("numHeads") int numHeads,
        @JsonProperty("numKvHeads") int numKvHeads,
        @JsonProperty("headDim") int headDim,
        @JsonProperty("intermediateSize") int intermediateSize,
        @JsonProperty("maxSeqLen") int maxSeqLen,
        @JsonProperty("ropeTheta") double ropeTheta,
        @JsonProperty("rmsNormEps") double rmsNormEps,
        @JsonProperty("tieEmbeddings") boolean tieEmbeddings,
        @JsonProperty("qkNorm") boolean qkNorm,
        @JsonProperty("attentionBias") boolean attentionBias,
        @JsonProperty("tokenizer") TokenizerSpec tokenizer,
        @JsonProperty("ropeScaling") @JsonInclude(JsonInclude.Include.NON_NULL) RopeScaling ropeScaling,
        @JsonProperty("lora") @JsonInclude(JsonInclude.Include.NON_NULL) LoraAdapters lora) {

    @JsonCreator
    public LmConfig {
        List<String> problems = new ArrayList<>();
        if (vocabSize < 2) {
            problems.add("vocabSize must be at least 2, got " + vocabSize);
        }
        if (hiddenSize < 1 || numHeads < 1 || numKvHeads < 1 || headDim < 1 || intermediateSize < 1 || maxSeqLen < 1) {
            problems.add("hiddenSize, numHeads, numKvHeads, headDim, intermediateSize and maxSeqLen must be positive");
        }
        if (numLayers < 0) { // 0 is allowed: embedding → final norm → head (a model whose every block is skipped)
            problems.add("numLayers must be >= 0, got " + numLayers);
        }
        if (numKvHeads >= 1 && numHeads % numKvHeads != 0) {
            problems.add("numKvHeads=" + numKvHeads + " must divide numHeads=" + numHeads);
        }
        if (headDim % 2 != 0) {
            problems.add("headDim=" + headDim + " must be even for rotary embeddings");
        }
        if (!(ropeTheta > 0)) {
            problems.add("ropeTheta must be positive, got " + ropeTheta);
        }
        if (!(rmsNormEps > 0)) {
            problems.add("rmsNormEps must be positive, got " + rmsNormEps);
        }
        if (tokenizer != null && tokenizer.vocabSize() != vocabSize) {
            problems.add("vocabSize=" + vocabSize + " does not match the tokenizer " + tokenizer.shortName());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid model config: " + String.join("; ", problems));
        }
    }

    /** A model without rotary scaling. */
    public LmConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads, int headDim,
                    int intermediateSize, int maxSeqLen, double ropeTheta, double rmsNormEps, boolean tieEmbeddings,
                    boolean qkNorm, boolean attentionBias, TokenizerSpec tokenizer) {
        this(vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize, maxSeqLen, ropeTheta,
                rmsNormEps, tieEmbeddings, qkNorm, attentionBias, tokenizer, null);
    }

    /**
     * The usual construction: {@code headDim = hidden / heads} (which must divide), SwiGLU width about 8/3·d rounded up
     * to a multiple of 32, theta 10000, eps 1e-5, tied embeddings.
     */
    public static LmConfig of(TokenizerSpec tokenizer, int hidden, int layers, int heads, int kvHeads, int maxSeqLen) {
        if (heads < 1 || hidden % heads != 0) {
            throw new IllegalArgumentException("invalid model config: hiddenSize=" + hidden
                    + " must be divisible by numHeads=" + heads);
        }
        int ff = ((hidden * 8 / 3) + 31) / 32 * 32;
        return new LmConfig(tokenizer.vocabSize(), hidden, layers, heads, kvHeads, hidden / heads, ff, maxSeqLen,
                10000.0, 1e-5, true, false, false, tokenizer);
    }

    /** Query width, numHeads·headDim. */
    @JsonIgnore
    public int qWidth() {
        return numHeads * headDim;
    }

    /** Key/value width, numKvHeads·headDim. */
    @JsonIgnore
    public int kvWidth() {
        return numKvHeads * headDim;
    }

    /** A model without adapters ({@code lora} null), as every model but PT-LoRA's. */
    public LmConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads, int headDim,
                    int intermediateSize, int maxSeqLen, double ropeTheta, double rmsNormEps, boolean tieEmbeddings,
                    boolean qkNorm, boolean attentionBias, TokenizerSpec tokenizer, RopeScaling ropeScaling) {
        this(vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize, maxSeqLen, ropeTheta,
                rmsNormEps, tieEmbeddings, qkNorm, attentionBias, tokenizer, ropeScaling, null);
    }

    /** The same model with another number of blocks (what expansion produces). */
    public LmConfig withNumLayers(int layers) {
        return new LmConfig(vocabSize, hiddenSize, layers, numHeads, numKvHeads, headDim, intermediateSize, maxSeqLen,
                ropeTheta, rmsNormEps, tieEmbeddings, qkNorm, attentionBias, tokenizer, ropeScaling, lora);
    }

    /** The same model with low-rank adapters on its projections, or (null) without any. */
    public LmConfig withLora(LoraAdapters adapters) {
        return new LmConfig(vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize,
                maxSeqLen, ropeTheta, rmsNormEps, tieEmbeddings, qkNorm, attentionBias, tokenizer, ropeScaling, adapters);
    }

    /** The same model with another tokenizer spec (same vocabulary size). */
    public LmConfig withTokenizer(TokenizerSpec spec) {
        return new LmConfig(vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize,
                maxSeqLen, ropeTheta, rmsNormEps, tieEmbeddings, qkNorm, attentionBias, spec, ropeScaling, lora);
    }

    /** Rotary inverse frequencies, scaling applied ({@link RopeScaling#inverseFrequencies}). */
    public double[] inverseFrequencies() {
        return RopeScaling.inverseFrequencies(headDim, ropeTheta, ropeScaling);
    }

    /** Throws when a sequence length exceeds the rotary table. */
    public void requireSeqLen(int seqLen) {
        if (seqLen < 1 || seqLen > maxSeqLen) {
            throw new IllegalArgumentException("sequence length " + seqLen + " is outside the model's rotary table [1, "
                    + maxSeqLen + "] (maxSeqLen)");
        }
    }
}
