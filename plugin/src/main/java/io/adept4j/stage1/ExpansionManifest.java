package io.adept4j.stage1;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * How an expanded model was made, written next to it as {@code manifest.json}. Later stages read it (which blocks are
 * copies, which tensors to train); nothing is inferred from zero weights.
 *
 * @param baseModel        fingerprint of the base model
 * @param expandedModel    fingerprint of the expanded model as written
 * @param baseLayers       blocks of the base model
 * @param expandedLayers   blocks of the expanded model
 * @param k                copies inserted
 * @param strategy         {@code probe}, {@code explicit} or {@code uniform}
 * @param sources          base blocks that were copied, ascending
 * @param blocks           every block of the expanded model: its new index, its source block, whether it is a copy
 * @param zeroedTensors    tensors of the copies set to zero (the output projections)
 * @param trainableTensors every tensor of the copies: the only ones tuned
 * @param probe            the probe file the placement came from, or null
 * @param maxAbsLogitDiff  max |logit difference| between base and expanded model on a probe batch (function
 *                         preservation)
 */
public record ExpansionManifest(
        @JsonProperty("baseModel") String baseModel,
        @JsonProperty("expandedModel") String expandedModel,
        @JsonProperty("baseLayers") int baseLayers,
        @JsonProperty("expandedLayers") int expandedLayers,
        @JsonProperty("k") int k,
        @JsonProperty("strategy") String strategy,
        @JsonProperty("sources") List<Integer> sources,
        @JsonProperty("blocks") List<Block> blocks,
        @JsonProperty("zeroedTensors") List<String> zeroedTensors,
        @JsonProperty("trainableTensors") List<String> trainableTensors,
        @JsonProperty("probe") String probe,
        @JsonProperty("maxAbsLogitDiff") double maxAbsLogitDiff) {

    /** File name next to the expanded model. */
    public static final String FILE = io.adept4j.model.ModelStore.MANIFEST;

    /**
     * @param index  index in the expanded model
     * @param source index of the base block it was made from
     * @param copy   true for an inserted identity copy, false for an original block
     */
    public record Block(@JsonProperty("index") int index, @JsonProperty("source") int source,
                        @JsonProperty("copy") boolean copy) {
    }

    /**
     * Each copy tensor → the same tensor of the original block it was copied from, both named in the expanded model
     * {@code config}: where a fresh copy's importance comes from while its own gradient is still zero.
     */
    public java.util.Map<String, String> seedMap(io.adept4j.model.LmConfig config) {
        java.util.Map<Integer, Integer> originalIndex = new java.util.LinkedHashMap<>();
        for (Block b : blocks) {
            if (!b.copy()) {
                originalIndex.put(b.source(), b.index());
            }
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Block b : blocks) {
            if (b.copy()) {
                String from = io.adept4j.model.LlamaLayout.layerPrefix(b.index());
                String to = io.adept4j.model.LlamaLayout.layerPrefix(originalIndex.get(b.source()));
                for (String t : io.adept4j.model.LlamaLayout.blockTensors(config, b.index()).keySet()) {
                    out.put(t, to + t.substring(from.length()));
                }
            }
        }
        return out;
    }

    /** Indices (in the expanded model) of the inserted copies. */
    public List<Integer> copyIndices() {
        return blocks.stream().filter(Block::copy).map(Block::index).toList();
    }
}
