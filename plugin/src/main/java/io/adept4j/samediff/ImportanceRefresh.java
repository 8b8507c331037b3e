package io.adept4j.samediff;

import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.LearningRateMultipliers;
import io.adept4j.stage2.LrPolicy;
import io.adept4j.stage2.SplitLearningRateGradientUpdater;
import io.adept4j.stage2.WeightLayout;
import io.adept4j.model.CausalLm;
import io.adept4j.train.ParameterOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.Map;

/**
 * One importance refresh of the SameDiff path: unit importance of the trainable tensors on general probe batches, the
 * policy's multipliers, installed in the split-learning-rate updaters. Shared by {@link AdeptTrainer} and
 * {@code adept bench tune}.
 */
public final class ImportanceRefresh {

    /** One refresh's unit importances, the multipliers the policy made of them, and which tensors were seeded. */
    public record Multipliers(Map<String, INDArray> units, Map<String, INDArray> multipliers, Map<String, String> seeded) {
    }

    private ImportanceRefresh() {
    }

    /**
     * Recomputes unit importance of {@code trainable} on the probe batches, turns it into multipliers with
     * {@code policy}, and installs them in {@code opt}'s split-learning-rate updaters.
     */
    public static Multipliers apply(CausalLm model, List<DataSet> probe, List<String> trainable,
                                    Map<String, String> seedFrom, ParameterOptimizer opt, Granularity granularity,
                                    LrPolicy policy) {
        return apply(model, UnitImportance.onBatches(model, probe), trainable, seedFrom, opt, granularity, policy);
    }

    /** {@link #apply(CausalLm, List, List, Map, ParameterOptimizer, Granularity, LrPolicy)} with the gradient sums from
     * {@code probe} (e.g. sharded over Spark executors). */
    public static Multipliers apply(CausalLm model, UnitImportance.GeneralGradients probe, List<String> trainable,
                                    Map<String, String> seedFrom, ParameterOptimizer opt, Granularity granularity,
                                    LrPolicy policy) {
        UnitImportance.Result imp = UnitImportance.compute(model, probe, trainable, seedFrom);
        LearningRateMultipliers m = LearningRateMultipliers.of(imp.elements(), WeightLayout.OUT_IN, granularity, policy);
        for (String t : trainable) {
            ((SplitLearningRateGradientUpdater) opt.updater(t, model.tensor(t))).setMultipliers(m.perElement().get(t));
        }
        return new Multipliers(m.units(), m.perUnit(), imp.seeded());
    }
}
