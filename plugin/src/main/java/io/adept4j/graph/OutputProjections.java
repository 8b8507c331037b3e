package io.adept4j.graph;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * The one place that knows, per DL4J layer type, which parameters of a block's output layer to zero so that the layer
 * outputs exactly 0 while the parameters before it can still learn: for weight layers (dense, 1-D convolution, …)
 * the weights and bias, provided the activation maps 0 to 0; for self-attention, only the output projection
 * {@code Wo} (zeroing the query/key/value projections too would leave every gradient of the copy at zero).
 */
public final class OutputProjections {

    /** Parameter key of the attention output projection in DL4J's attention layers. */
    public static final String ATTENTION_OUTPUT = "Wo";

    private OutputProjections() {
    }

    /**
     * Parameter keys (without the vertex prefix) of {@code layer} to zero.
     *
     * @throws IllegalArgumentException naming the vertex and why its output cannot be made exactly zero
     */
    public static List<String> of(String vertex, Layer layer) {
        Layer l = layer instanceof FrozenLayer f ? f.getLayer()
                : layer instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop fb ? fb.getUnderlying() : layer;
        if (l instanceof SelfAttentionLayer sa) {
            if (!sa.isProjectInput()) {
                throw new IllegalArgumentException("block output '" + vertex + "' is a SelfAttentionLayer without projectInput:"
                        + " it has no output projection to zero");
            }
            return List.of(ATTENTION_OUTPUT);
        }
        if (l instanceof LearnedSelfAttentionLayer) {
            return List.of(ATTENTION_OUTPUT);
        }
        if (l instanceof BaseLayer bl) {
            double out = bl.getActivationFn().getActivation(Nd4j.zeros(1, 1), false).getDouble(0);
            if (out != 0.0) {
                throw new IllegalArgumentException("block output layer '" + vertex + "' has activation " + bl.getActivationFn()
                        + ", which does not map 0 to 0: zeroing its weights would not make the block the identity");
            }
            return bl.initializer().paramKeys(bl);
        }
        throw new IllegalArgumentException("block output '" + vertex + "' is a " + (l == null ? "vertex without parameters"
                : l.getClass().getSimpleName()) + ": adept4j does not know which of its parameters make its output zero"
                + " (supported: weight layers with a zero-preserving activation, SelfAttentionLayer, LearnedSelfAttentionLayer)");
    }
}
