package io.adept4j.listeners;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Running sums of |∂L/∂w| per parameter, and the importance they give: {@code I(w) = |w| · mean |∂L/∂w|}, element-wise
 * (ADEPT's unit importance before aggregation into units). Gradients are copied on {@link #add}, so callers may hand
 * in arrays that an updater overwrites right afterwards. The sums are serialisable and {@link #merge mergeable}, so
 * batches scored on several machines combine into the sums of one pass over all of them.
 */
public final class GradientImportance implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final Map<String, INDArray> sumAbs = new LinkedHashMap<>();
    private final Map<String, Integer> counts = new LinkedHashMap<>();

    /** Adds |grad| of one batch to {@code name}'s running sum (the array is read, never kept). */
    public void add(String name, INDArray grad) {
        INDArray abs = Transforms.abs(grad, true);
        INDArray sum = sumAbs.get(name);
        if (sum == null) {
            sumAbs.put(name, abs);
        } else {
            if (sum.length() != abs.length()) {
                throw new IllegalArgumentException("gradient of " + name + " has " + abs.length()
                        + " values, earlier ones had " + sum.length());
            }
            sum.addi(abs.reshape(sum.shape()));
        }
        counts.merge(name, 1, Integer::sum);
    }

    /** Adds one batch's gradients of several parameters. */
    public void addAll(Map<String, INDArray> grads) {
        grads.forEach(this::add);
    }

    /**
     * Adds another accumulator's sums and counts to this one's, as if its batches had been added here (up to the order
     * of float additions).
     */
    public void merge(GradientImportance other) {
        for (Map.Entry<String, INDArray> e : other.sumAbs.entrySet()) {
            String name = e.getKey();
            INDArray sum = sumAbs.get(name);
            if (sum == null) {
                sumAbs.put(name, e.getValue().dup());
            } else {
                if (sum.length() != e.getValue().length()) {
                    throw new IllegalArgumentException("gradient sums of " + name + " have " + e.getValue().length()
                            + " values here and " + sum.length() + " there");
                }
                sum.addi(e.getValue().reshape(sum.shape()));
            }
            counts.merge(name, other.counts.get(name), Integer::sum);
        }
    }

    /** Parameters seen so far. */
    public Set<String> names() {
        return Collections.unmodifiableSet(sumAbs.keySet());
    }

    /** How many gradients of {@code name} were added. */
    public int count(String name) {
        return counts.getOrDefault(name, 0);
    }

    /** Mean |∂L/∂w| of {@code name} over the batches added (a new array). */
    public INDArray meanAbsGradient(String name) {
        INDArray sum = sumAbs.get(name);
        if (sum == null) {
            throw new IllegalArgumentException("no gradient of " + name + " was recorded");
        }
        return sum.div(counts.get(name));
    }

    /** {@code |param| · mean |∂L/∂w|}, shaped like {@code param}. */
    public INDArray importance(String name, INDArray param) {
        INDArray mean = meanAbsGradient(name);
        if (mean.length() != param.length()) {
            throw new IllegalArgumentException(name + " has " + param.length() + " values but its gradients had "
                    + mean.length());
        }
        return Transforms.abs(param, true).muli(mean.reshape(param.ordering(), param.shape()));
    }

    /** Forgets everything (e.g. at the start of a new refresh window). */
    public void reset() {
        sumAbs.clear();
        counts.clear();
    }
}
