package io.adept4j.stage2;

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
            INDArray e = elements.get(tensor);
            return switch (g) {
                case TENSOR -> e.mean().reshape(1);
                case NEURON -> e.rank() == 2 ? e.mean(1) : e.dup();
                case ELEMENT -> e.dup();
            };
        }
    }

    private UnitImportance() {
    }

    /**
     * @param tensors  tensors to score (usually the trainable ones)
     * @param seedFrom copy tensor → source tensor, for tensors that may have zero gradient (may be empty)
     */
    public static Result compute(CausalLm model, List<? extends DataSet> probeBatches, Collection<String> tensors,
                                 Map<String, String> seedFrom) {
        if (probeBatches.isEmpty()) {
            throw new IllegalArgumentException("unit importance needs at least one general probe batch");
        }
        java.util.Set<String> wanted = new java.util.LinkedHashSet<>(tensors);
        wanted.addAll(seedFrom.values());
        Map<String, INDArray> sumAbs = new LinkedHashMap<>();
        for (DataSet b : probeBatches) {
            CausalLm.LossAndGradients lg = model.lossAndGradients(b, wanted);
            for (Map.Entry<String, INDArray> e : lg.gradients().entrySet()) {
                INDArray abs = Transforms.abs(e.getValue(), true);
                sumAbs.merge(e.getKey(), abs, INDArray::addi);
            }
        }
        Map<String, INDArray> importance = new LinkedHashMap<>();
        for (String name : wanted) {
            INDArray meanAbsGrad = sumAbs.get(name).divi(probeBatches.size());
            importance.put(name, Transforms.abs(model.tensor(name), true).muli(meanAbsGrad.reshape(model.tensor(name).shape())));
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        Map<String, String> seeded = new LinkedHashMap<>();
        for (String name : tensors) {
            INDArray own = importance.get(name);
            String src = seedFrom.get(name);
            if (src != null && sumAbs.get(name).amaxNumber().doubleValue() == 0.0) {
                out.put(name, importance.get(src).dup());
                seeded.put(name, src);
            } else {
                out.put(name, own);
            }
        }
        return new Result(out, seeded);
    }
}
