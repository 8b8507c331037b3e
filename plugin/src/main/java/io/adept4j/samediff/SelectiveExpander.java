package io.adept4j.samediff;

import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.ModelFingerprint;
import io.adept4j.stage1.Placement;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ADEPT's Stage 1b: inserts a copy of each chosen block right after its source, with the copy's output projections
 * ({@code o_proj}, {@code down_proj}) zeroed so the expanded model computes exactly what the base computed; every other
 * tensor of the copy is a plain copy (q/k/v, norms, gate/up are not re-initialised).
 */
public final class SelectiveExpander {

    /** The expanded model and its manifest. */
    public record Expansion(CausalLm model, ExpansionManifest manifest) {
    }

    private SelectiveExpander() {
    }

    /**
     * Expands {@code base}.
     *
     * @param check     a batch on which base and expanded logits are compared (may be null to skip)
     * @param probeFile where the placement's probe came from (for the manifest), or null
     */
    public static Expansion expand(CausalLm base, Placement placement, DataSet check, String probeFile) {
        LmConfig c = base.config();
        for (int s : placement.sources()) {
            if (s < 0 || s >= c.numLayers()) {
                throw new IllegalArgumentException("block " + s + " is out of range: the model has blocks 0.." + (c.numLayers() - 1));
            }
        }
        Placement.requireK(placement.sources().size(), c.numLayers());
        Set<Integer> chosen = new HashSet<>(placement.sources());
        List<Integer> sources = new ArrayList<>();
        Set<Integer> copies = new HashSet<>();
        List<ExpansionManifest.Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            blocks.add(new ExpansionManifest.Block(sources.size(), i, false));
            sources.add(i);
            if (chosen.contains(i)) {
                copies.add(sources.size());
                blocks.add(new ExpansionManifest.Block(sources.size(), i, true));
                sources.add(i);
            }
        }
        Map.Entry<LmConfig, Map<String, INDArray>> restacked = BlockStack.restack(c, base.weights(), sources, copies);
        CausalLm expanded = CausalLm.build(restacked.getKey(), restacked.getValue(), base.seqLen(), base.dataType());
        List<String> zeroed = new ArrayList<>();
        List<String> trainable = new ArrayList<>();
        for (ExpansionManifest.Block b : blocks) {
            if (b.copy()) {
                zeroed.addAll(LlamaLayout.outputProjections(b.index()));
                trainable.addAll(LlamaLayout.blockTensors(restacked.getKey(), b.index()).keySet());
            }
        }
        double diff = Double.NaN;
        if (check != null) {
            INDArray a = base.logits(check.getFeatures());
            INDArray b = expanded.logits(check.getFeatures());
            diff = Nd4j.math().abs(a.sub(b)).maxNumber().doubleValue();
        }
        ExpansionManifest m = new ExpansionManifest(ModelFingerprint.of(base), ModelFingerprint.of(expanded),
                c.numLayers(), sources.size(), copies.size(), placement.strategy(), placement.sources(), blocks, zeroed,
                trainable, probeFile, diff);
        return new Expansion(expanded, m);
    }
}
