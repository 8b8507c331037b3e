package io.adept4j.graph;

import io.adept4j.listeners.GradientImportance;
import io.adept4j.listeners.GradientImportanceTrainingListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ADEPT Step 3 for a {@code ComputationGraph}: I(w) = |w|·mean|∂L/∂w| over general batches, accumulated by a DL4J
 * {@link GradientImportanceTrainingListener} that DL4J itself calls from {@code onBackwardPass} while
 * {@code computeGradientAndScore()} runs on each batch (no parameter moves), then aggregated per unit. Copies whose
 * gradient is still exactly zero (their output layer starts at zero, so nothing upstream of it gets a gradient) are
 * scored by their source's importance on the base graph ({@link #seedImportance}), as the SameDiff path scores them.
 *
 * <p>It is itself a {@code TrainingListener} that passes {@code onBackwardPass} on only while it measures, so it can
 * stay attached during {@code fit} (see {@link ImportanceRefreshListener}) without counting domain gradients.
 */
public final class GraphImportance extends BaseTrainingListener {

    private final GradientImportance accumulator = new GradientImportance();
    private final Set<String> measured = new HashSet<>();
    private final GradientImportanceTrainingListener listener =
            new GradientImportanceTrainingListener(measured::contains, accumulator);
    private boolean measuring;

    @Override
    public void onBackwardPass(Model model) {
        if (measuring) {
            listener.onBackwardPass(model);
        }
    }

    /**
     * Element importances of {@code params} (paramTable keys) on {@code general}.
     *
     * @param seeds importance to use for a parameter whose gradient is still exactly zero (a copy before its output
     *              layer has moved), e.g. its source's importance measured on the base graph ({@code seedImportance});
     *              DL4J computes no gradient for the frozen sources in the expanded graph itself
     */
    public Map<String, INDArray> measure(ComputationGraph cg, List<? extends DataSet> general, Collection<String> params,
                                         Map<String, INDArray> seeds) {
        accumulator.reset();
        measured.clear();
        measured.addAll(params);
        boolean attached = cg.getListeners() != null && cg.getListeners().stream().anyMatch(l -> l == this
                || (l instanceof ImportanceRefreshListener r && r.importance() == this));
        if (!attached) {
            cg.addListeners(this);
        }
        measuring = true;
        try {
            for (DataSet b : general) {
                cg.setInputs(b.getFeatures());
                cg.setLabels(b.getLabels());
                if (b.getFeaturesMaskArray() != null || b.getLabelsMaskArray() != null) {
                    cg.setLayerMaskArrays(new INDArray[]{b.getFeaturesMaskArray()}, new INDArray[]{b.getLabelsMaskArray()});
                }
                cg.computeGradientAndScore();
                if (!Double.isFinite(cg.score())) {
                    throw new IllegalStateException("general loss is " + cg.score() + " while measuring importance");
                }
            }
        } finally {
            measuring = false;
            if (!attached) {
                cg.getListeners().remove(this);
            }
            cg.clearLayerMaskArrays();
        }
        Map<String, INDArray> params2 = cg.paramTable();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String p : params) {
            INDArray mean = accumulator.meanAbsGradient(p);
            boolean zero = mean == null || mean.amaxNumber().doubleValue() == 0.0;
            if (zero && seeds.containsKey(p)) {
                out.put(p, seeds.get(p));
            } else if (mean == null) {
                throw new IllegalArgumentException("no gradient for " + p + ": is it a parameter of a trainable layer?");
            } else {
                out.put(p, accumulator.importance(p, params2.get(p)));
            }
        }
        return out;
    }

    /**
     * Importance of each copy's source parameters on {@code base} (where they are trainable), keyed by the copy's
     * parameter: the seeds for {@link #measure}.
     */
    public static Map<String, INDArray> seedImportance(ComputationGraph base, List<? extends DataSet> general,
                                                       Map<String, String> seedFrom) {
        Map<String, INDArray> bySource = new GraphImportance().measure(base, general,
                new java.util.LinkedHashSet<>(seedFrom.values()), Map.of());
        Map<String, INDArray> out = new LinkedHashMap<>();
        seedFrom.forEach((copy, source) -> out.put(copy, bySource.get(source)));
        return out;
    }
}
