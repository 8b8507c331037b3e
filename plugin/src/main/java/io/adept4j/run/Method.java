package io.adept4j.run;

import io.adept4j.model.CausalLm;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.ProbeResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.Map;

/**
 * One way to adapt a base model to a domain (ADEPT, a baseline or an ablation): it decides which model is trained
 * (the base or an expansion of it), which tensors train, and whether their learning rates are decoupled. All methods
 * then train under the same budget through the same trainer, so they differ only in what the method says.
 */
public interface Method {

    /**
     * What a method needs to decide: the base model, its probe, K, a batch for checking expansions, general batches
     * (training side, never validation) for methods that score importance before training, and the run's settings for
     * a method's own keys (e.g. {@code loraRank}), and the replicate's seed (for a method's own random choices).
     */
    record Context(CausalLm base, ProbeResult probe, int k, DataSet check, List<DataSet> general, RunConfig config,
                   long seed) {
    }

    /**
     * What to train.
     *
     * @param model     a fresh model (the base is never changed)
     * @param trainable tensors that train; all others stay bit-identical
     * @param seedFrom  copy tensors whose importance may come from their source while their gradient is zero
     * @param decoupled per-unit learning rates from importance (false: one learning rate)
     * @param replay    share of general windows mixed into the domain batches
     * @param manifest  the expansion, or null when the base architecture is trained
     * @param frozenMask per-element learning-rate multipliers set once for some trainable tensors (0 freezes an
     *                   element, 1 trains it), e.g. the columns a shield keeps; empty: every element of a trainable
     *                   tensor trains
     */
    record Plan(CausalLm model, List<String> trainable, Map<String, String> seedFrom, boolean decoupled, boolean replay,
                ExpansionManifest manifest, Map<String, INDArray> frozenMask) {
    }

    /** Name used in configs and reports, e.g. {@code llama-pro}. */
    String name();

    /** One line for reports: what the method trains and how. */
    String description();

    /** Whether this is an ablation of ADEPT (run on fewer seeds when {@code ablationSeeds} says so). */
    default boolean ablation() {
        return false;
    }

    /** The model and tensors to train for this method. */
    Plan plan(Context ctx);
}
