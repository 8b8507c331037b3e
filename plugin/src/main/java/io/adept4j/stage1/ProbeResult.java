package io.adept4j.stage1;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Comparator;
import java.util.List;

/**
 * What a layer probe measured: the base loss on the general probe set and, per block, the loss increase when that
 * block is skipped (its output replaced by its input), with its standard error over probe batches.
 *
 * @param model            fingerprint of the probed model ({@link ModelFingerprint}), so a probe is never applied to
 *                         another model
 * @param numLayers        blocks of the probed model
 * @param baseLoss         mean token loss of the unmodified model
 * @param layers           one entry per block, in block order
 * @param tokens           probe tokens counted per pass
 * @param batches          probe batches
 * @param wallSeconds      time of the whole probe
 * @param forwardEquivalents the probe's time divided by the time of one full forward pass over the same probe set
 */
public record ProbeResult(
        @JsonProperty("model") String model,
        @JsonProperty("numLayers") int numLayers,
        @JsonProperty("baseLoss") double baseLoss,
        @JsonProperty("layers") List<Layer> layers,
        @JsonProperty("tokens") long tokens,
        @JsonProperty("batches") int batches,
        @JsonProperty("wallSeconds") double wallSeconds,
        @JsonProperty("forwardEquivalents") double forwardEquivalents) {

    /**
     * @param index     block index
     * @param deltaLoss mean over batches of (loss with the block skipped − base loss)
     * @param stdErr    standard error of that mean over probe batches
     */
    public record Layer(@JsonProperty("index") int index, @JsonProperty("deltaLoss") double deltaLoss,
                        @JsonProperty("stdErr") double stdErr) {
    }

    /**
     * Throws, naming {@code what} (the file), unless the probe is complete: one finite ΔL per block, each block index
     * once, {@code 0..numLayers-1}.
     */
    public void requireValid(String what) {
        String fix = "; run adept probe again to re-create it";
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException(what + " has no \"layers\" entries" + fix);
        }
        if (numLayers != layers.size()) {
            throw new IllegalArgumentException(what + " lists " + layers.size() + " layers but numLayers is " + numLayers + fix);
        }
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (Layer l : layers) {
            if (l == null) {
                throw new IllegalArgumentException(what + " has an empty layer entry" + fix);
            }
            if (l.index() < 0 || l.index() >= numLayers) {
                throw new IllegalArgumentException(what + " names block " + l.index() + " of " + numLayers + fix);
            }
            if (!seen.add(l.index())) {
                throw new IllegalArgumentException(what + " lists block " + l.index() + " twice" + fix);
            }
            if (!Double.isFinite(l.deltaLoss())) {
                throw new IllegalArgumentException(what + ": block " + l.index() + " has ΔL " + l.deltaLoss() + fix);
            }
        }
    }

    /** Throws unless this probe was made on {@code model}. */
    public void requireFor(io.adept4j.model.CausalLm model, String what) {
        String fp = ModelFingerprint.of(model);
        if (!fp.equals(this.model) || numLayers != model.config().numLayers()) {
            throw new IllegalArgumentException(what + " was made on another model (fingerprint " + this.model + ", "
                    + numLayers + " blocks) than the one given (" + fp + ", " + model.config().numLayers() + " blocks)");
        }
    }

    /** Block indices ordered from least to most important for general text (smallest ΔL first). */
    public List<Integer> leastImportantFirst() {
        return layers.stream().sorted(Comparator.comparingDouble(Layer::deltaLoss).thenComparingInt(Layer::index))
                .map(Layer::index).toList();
    }
}
