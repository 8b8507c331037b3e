package io.adept4j.samediff;

import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.WeightLayout;
import io.adept4j.listeners.GradientImportance;
import io.adept4j.model.CausalLm;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ADEPT's unit importance on GENERAL probe batches: per element {@code I(w) = |w| · mean_b |∂L_b/∂w|} (the reference
 * code's definition: the mean of absolute gradients, not the absolute mean), aggregated per unit as the mean over the
 * unit's elements. The probe gradients are computed with {@link CausalLm#lossAndGradients}, which never applies them,
 * so nothing leaks into the next training step.
 *
 * <p>Fresh copies: a copy's output projection is zero, so at first every other tensor of the copy gets a zero gradient
 * and would look unimportant (multiplier 2) for no reason. A tensor whose probe gradient is exactly zero everywhere takes
 * its importance from the tensor it was copied from ({@code seedFrom}), i.e. from the source block the copy duplicates.
 */
public final class UnitImportance {

    /**
     * Element-level importance of each tensor and where seeded ones came from.
     *
     * @param elements importance per element, parameter-shaped
     * @param seeded   tensors whose own gradient was zero, mapped to the tensor their importance came from
     */
    public record Result(Map<String, INDArray> elements, Map<String, String> seeded) {

        /** Unit importances of one tensor: a scalar (TENSOR), one per row or vector element (NEURON), or all (ELEMENT). */
        public INDArray units(String tensor, Granularity g) {
            return g.units(elements.get(tensor), WeightLayout.OUT_IN);
        }
    }

    private UnitImportance() {
    }

    /**
     * The sums behind importance: |∂L/∂w| of the asked tensors summed over a fixed set of general batches, with their
     * count. In this JVM ({@link #onBatches}) or over batches spread across machines (the {@code spark} module), as
     * long as the sums are those of the same batches.
     */
    @FunctionalInterface
    public interface GeneralGradients {

        /** Summed |∂L/∂w| of {@code tensors} over the general batches (gradients never applied). */
        GradientImportance sums(Collection<String> tensors);
    }

    /** Gradient sums of {@code model} over {@code probeBatches}, computed here. */
    public static GeneralGradients onBatches(CausalLm model, List<? extends DataSet> probeBatches) {
        if (probeBatches.isEmpty()) {
            throw new IllegalArgumentException("unit importance needs at least one general probe batch");
        }
        return tensors -> {
            GradientImportance acc = new GradientImportance();
            for (DataSet b : probeBatches) {
                acc.addAll(model.lossAndGradients(b, tensors).gradients());
            }
            return acc;
        };
    }

    /**
     * @param tensors  tensors to score (usually the trainable ones)
     * @param seedFrom copy tensor → source tensor, for tensors that may have zero gradient (may be empty)
     */
    public static Result compute(CausalLm model, List<? extends DataSet> probeBatches, Collection<String> tensors,
                                 Map<String, String> seedFrom) {
        return compute(model, onBatches(model, probeBatches), tensors, seedFrom);
    }

    /** {@link #compute(CausalLm, List, Collection, Map)} with the gradient sums from {@code gradients}. */
    public static Result compute(CausalLm model, GeneralGradients gradients, Collection<String> tensors,
                                 Map<String, String> seedFrom) {
        GradientImportance own = gradients.sums(tensors);
        Map<String, INDArray> importance = new LinkedHashMap<>();
        java.util.Set<String> zeroGradient = new java.util.HashSet<>();
        for (String name : tensors) {
            importance.put(name, own.importance(name, model.tensor(name)));
            if (own.meanAbsGradient(name).amaxNumber().doubleValue() == 0.0) {
                zeroGradient.add(name);
            }
        }
        // Sources are scored only for copy tensors whose gradient is still exactly zero (a fresh copy before its first
        // update): asking for them always would extend every refresh's backward pass down to the source blocks.
        java.util.Set<String> sources = new java.util.LinkedHashSet<>();
        for (String name : tensors) {
            if (seedFrom.containsKey(name) && zeroGradient.contains(name)) {
                sources.add(seedFrom.get(name));
            }
        }
        if (!sources.isEmpty()) {
            GradientImportance src = gradients.sums(sources);
            for (String name : sources) {
                importance.put(name, src.importance(name, model.tensor(name)));
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        Map<String, String> seeded = new LinkedHashMap<>();
        for (String name : tensors) {
            String src = seedFrom.get(name);
            if (src != null && zeroGradient.contains(name)) {
                out.put(name, importance.get(src).dup());
                seeded.put(name, src);
            } else {
                out.put(name, importance.get(name));
            }
        }
        return new Result(out, seeded);
    }
}
