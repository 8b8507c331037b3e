package io.adept4j.datavec.window;

/** How a batch of windows is laid out as a {@link org.nd4j.linalg.dataset.DataSet}. */
public enum BatchLayout {
    /**
     * For SameDiff placeholders: features INT32 {@code [B,T]} token ids, labels INT32 {@code [B,T]} next-token ids,
     * masks FLOAT {@code [B,T]}.
     */
    SAMEDIFF,
    /**
     * For DL4J recurrent-style networks ({@code EmbeddingSequenceLayer} → … → {@code RnnOutputLayer}): features FLOAT
     * {@code [B,1,T]} token ids, labels FLOAT one-hot {@code [B,V,T]}, masks FLOAT {@code [B,T]}.
     */
    DL4J_RNN
}
