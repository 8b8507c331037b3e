package io.adept4j.train;

import io.adept4j.datavec.tokenize.TokenizerSpec;
import io.adept4j.model.LmConfig;

/**
 * Model-and-budget sizes shared by every training command. {@code TINY} finishes in well under a minute (smoke tests,
 * a user's first try); {@code SMALL} is the demo's size; {@code DEFAULT} is the benchmark size (d=256, 8 blocks).
 */
public enum Preset {
    TINY(64, 2, 2, 1, 64, 8, 40),
    SMALL(128, 4, 4, 2, 128, 16, 300),
    DEFAULT(256, 8, 8, 4, 128, 16, 1500);

    /** Residual width. */
    public final int hidden;
    /** Transformer blocks. */
    public final int layers;
    /** Query heads. */
    public final int heads;
    /** Key/value heads. */
    public final int kvHeads;
    /** Sequence length. */
    public final int seqLen;
    /** Windows per batch. */
    public final int batchSize;
    /** Pretraining steps. */
    public final int pretrainSteps;

    Preset(int hidden, int layers, int heads, int kvHeads, int seqLen, int batchSize, int pretrainSteps) {
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.seqLen = seqLen;
        this.batchSize = batchSize;
        this.pretrainSteps = pretrainSteps;
    }

    /** The model shape for a tokenizer. */
    public LmConfig model(TokenizerSpec tokenizer) {
        return LmConfig.of(tokenizer, hidden, layers, heads, kvHeads, seqLen);
    }

    /** The pretraining settings, with {@code steps} overriding the preset's when positive. */
    public PretrainConfig pretrain(int steps, long seed) {
        int s = steps > 0 ? steps : pretrainSteps;
        return PretrainConfig.defaults(s, batchSize, seqLen, seed);
    }

    /** Parses {@code tiny|small|default}, case-insensitive. */
    public static Preset parse(String name) {
        for (Preset p : values()) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "'; use tiny, small or default");
    }
}
