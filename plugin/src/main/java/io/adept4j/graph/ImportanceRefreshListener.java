package io.adept4j.graph;

import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.LearningRateMultipliers;
import io.adept4j.stage2.LrPolicy;
import io.adept4j.stage2.WeightLayout;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DL4J {@code TrainingListener} that refreshes ADEPT's split learning rates while a {@code ComputationGraph} trains:
 * every {@code every} iterations it measures unit importance on the general batches ({@link GraphImportance}), turns
 * it into multipliers with the policy, and places them in the updater blocks ({@link GraphSplitLearningRates}). Attach
 * it last: a refresh leaves the general batch's score in the model until the next iteration.
 */
public final class ImportanceRefreshListener extends BaseTrainingListener {

    /** One refresh: the iteration it followed and the mean multiplier per parameter. */
    public record Refresh(int iteration, Map<String, Double> meanMultiplier) {
    }

    private final GraphImportance importance = new GraphImportance();
    private final List<? extends DataSet> general;
    private final List<String> trainable;
    private final Map<String, INDArray> seeds;
    private final Granularity granularity;
    private final LrPolicy policy;
    private final int every;
    private final List<Refresh> refreshes = new ArrayList<>();
    private int iterations;

    /**
     * @param general     general-corpus batches importance is measured on
     * @param trainable   paramTable keys of the copies' parameters
     * @param seeds       importance for copies whose gradient is still zero ({@link GraphImportance#seedImportance})
     * @param granularity unit of importance
     * @param policy      importance → multipliers
     * @param every       refresh interval in iterations (≥ 1)
     */
    public ImportanceRefreshListener(List<? extends DataSet> general, List<String> trainable, Map<String, INDArray> seeds,
                                     Granularity granularity, LrPolicy policy, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("refresh interval must be at least 1, got " + every);
        }
        if (general.isEmpty()) {
            throw new IllegalArgumentException("no general batches to measure importance on");
        }
        this.general = general;
        this.trainable = List.copyOf(trainable);
        this.seeds = Map.copyOf(seeds);
        this.granularity = granularity;
        this.policy = policy;
        this.every = every;
    }

    /** The importance accumulator this listener drives. */
    public GraphImportance importance() {
        return importance;
    }

    /** Refreshes so far. */
    public List<Refresh> refreshes() {
        return List.copyOf(refreshes);
    }

    @Override
    public void onBackwardPass(Model model) {
        importance.onBackwardPass(model);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        iterations++;
        if (iterations % every == 0) {
            refresh((ComputationGraph) model);
        }
    }

    /** Measures importance now and sets the multipliers (also usable before training starts). */
    public Map<String, INDArray> refresh(ComputationGraph cg) {
        Map<String, INDArray> elements = importance.measure(cg, general, trainable, seeds);
        Map<String, INDArray> full = LearningRateMultipliers.of(elements, WeightLayout.IN_OUT, granularity, policy)
                .perElement();
        Map<String, Double> means = new LinkedHashMap<>();
        full.forEach((k, m) -> means.put(k, m.meanNumber().doubleValue()));
        GraphSplitLearningRates.apply(cg, full);
        refreshes.add(new Refresh(iterations, means));
        return full;
    }
}
