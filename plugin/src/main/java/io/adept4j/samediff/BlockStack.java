package io.adept4j.samediff;

import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the weight map of a model whose blocks are a new sequence of the old model's blocks: block {@code j} of the
 * result is a copy of block {@code sources[j]}, with its output projections zeroed when {@code j} is in
 * {@code zeroed}. Embedding, final norm and head are carried over. Expansion (a block followed by its identity copy)
 * and probing (the blocks after a skipped one) are both such sequences.
 */
public final class BlockStack {

    private BlockStack() {
    }

    /**
     * @param sources source block of every new block, in order (repeats allowed)
     * @param zeroed  new block indices whose output projections ({@code o_proj}, {@code down_proj}) become zero
     * @return the new config and weights (arrays are copies; the old model is untouched)
     */
    public static Map.Entry<LmConfig, Map<String, INDArray>> restack(LmConfig c, Map<String, INDArray> weights,
                                                                     List<Integer> sources, Set<Integer> zeroed) {
        LmConfig out = c.withNumLayers(sources.size());
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put(LlamaLayout.EMBED, weights.get(LlamaLayout.EMBED).dup());
        for (int j = 0; j < sources.size(); j++) {
            int src = sources.get(j);
            if (src < 0 || src >= c.numLayers()) {
                throw new IllegalArgumentException("block " + src + " does not exist (the model has " + c.numLayers() + ")");
            }
            String from = LlamaLayout.layerPrefix(src);
            String to = LlamaLayout.layerPrefix(j);
            List<String> outputs = LlamaLayout.outputProjections(j);
            for (String name : LlamaLayout.blockTensors(c, src).keySet()) {
                String renamed = to + name.substring(from.length());
                INDArray a = weights.get(name).dup();
                if (zeroed.contains(j) && outputs.contains(renamed)) {
                    a.assign(0);
                }
                w.put(renamed, a);
            }
        }
        w.put(LlamaLayout.FINAL_NORM, weights.get(LlamaLayout.FINAL_NORM).dup());
        if (!c.tieEmbeddings()) {
            w.put(LlamaLayout.LM_HEAD, weights.get(LlamaLayout.LM_HEAD).dup());
        }
        return Map.entry(out, w);
    }
}
