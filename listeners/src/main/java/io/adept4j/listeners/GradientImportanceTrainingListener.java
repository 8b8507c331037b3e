package io.adept4j.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.function.Predicate;

/**
 * DL4J {@code TrainingListener} that accumulates |∂L/∂w| per parameter ({@code layer_W}, {@code layer_b}, … as in
 * {@code Model.paramTable()}) of a {@code MultiLayerNetwork} or {@code ComputationGraph} in {@code onBackwardPass},
 * before the updater overwrites the gradient views in place.
 */
public final class GradientImportanceTrainingListener extends BaseTrainingListener {

    private final Predicate<String> parameters;
    private final GradientImportance importance;

    /** Records the gradients of parameters whose {@code paramTable()} key passes {@code parameters}. */
    public GradientImportanceTrainingListener(Predicate<String> parameters, GradientImportance importance) {
        this.parameters = parameters;
        this.importance = importance;
    }

    /** The accumulator this listener fills. */
    public GradientImportance importance() {
        return importance;
    }

    @Override
    public void onBackwardPass(Model model) {
        Gradient g = model.gradient();
        if (g == null) {
            return;
        }
        for (Map.Entry<String, INDArray> e : g.gradientForVariable().entrySet()) {
            if (parameters.test(e.getKey())) {
                importance.add(e.getKey(), e.getValue());
            }
        }
    }
}
