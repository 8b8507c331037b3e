package io.adept4j.listeners;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SameDiff listener that accumulates |∂L/∂w| of chosen variables during {@code fit}, as the backward pass produces
 * them (before the updater turns them into updates in place), into a {@link GradientImportance}.
 */
public final class GradientImportanceListener extends BaseListener {

    private final Set<String> variables;
    private final GradientImportance importance;
    /** Gradient-array name → variable name, resolved from the gradient function on first use. */
    private final Map<String, String> byGradName = new HashMap<>();

    /** Records the gradients of {@code variables} into {@code importance}. */
    public GradientImportanceListener(Set<String> variables, GradientImportance importance) {
        this.variables = Set.copyOf(variables);
        this.importance = importance;
    }

    /** The accumulator this listener fills. */
    public GradientImportance importance() {
        return importance;
    }

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.TRAINING;
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                            INDArray[] outputs) {
        if (byGradName.isEmpty()) {
            for (String v : variables) {
                SDVariable g = sd.hasVariable(v) ? sd.getGradForVariable(v) : null;
                if (g != null) {
                    byGradName.put(g.name(), v);
                }
            }
        }
        List<String> names = op.getOutputsOfOp();
        for (int i = 0; i < outputs.length && i < names.size(); i++) {
            String v = byGradName.get(names.get(i));
            if (v != null) {
                importance.add(v, outputs[i]);
            }
        }
    }
}
