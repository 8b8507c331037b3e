package io.adept4j.stage2;

import io.adept4j.train.ParameterOptimizer;
import io.adept4j.train.WarmupCosineSchedule;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitLearningRateUpdaterTest {

    static final ISchedule LR = new WarmupCosineSchedule(1e-2, 0, 100, 1.0);

    static INDArray param() {
        return Nd4j.linspace(-1, 1, 12, DataType.FLOAT).reshape(3, 4).addi(0.05);
    }

    static INDArray grad(int step) {
        return Nd4j.linspace(-0.5, 0.7, 12, DataType.FLOAT).reshape(3, 4).muli(1 + step);
    }

    /** Runs {@code steps} updates of one 3×4 parameter; {@code multipliers} null = plain updater. */
    static INDArray run(IUpdater updater, double wd, INDArray multipliers, int steps) {
        Map<String, INDArray> params = Map.of("w", param());
        ParameterOptimizer opt = new ParameterOptimizer(updater, LR, wd, Set.of("w"));
        if (multipliers != null) {
            ((SplitLearningRateGradientUpdater) opt.updater("w", params.get("w"))).setMultipliers(multipliers);
        }
        for (int s = 0; s < steps; s++) {
            opt.step(params, Map.of("w", grad(s)), s);
        }
        return params.get("w");
    }

    @Test
    void multiplierZeroLeavesTheParameterBitIdenticalEvenWithDecay() {
        for (IUpdater base : new IUpdater[]{new Adam(LR), new Nesterovs(LR, 0.9), new Sgd(LR)}) {
            assertEquals(param(), run(new SplitLearningRateUpdater(base), 0.1, Nd4j.scalar(0f), 3), base.toString());
        }
    }

    @Test
    void multiplierTwoDoublesTheBaseUpdateExactly() {
        for (IUpdater base : new IUpdater[]{new Adam(LR), new Nesterovs(LR, 0.9), new Sgd(LR)}) {
            INDArray plain = run(base.clone(), 0, null, 1).sub(param());
            INDArray doubled = run(new SplitLearningRateUpdater(base.clone()), 0, Nd4j.scalar(2f), 1).sub(param());
            assertEquals(plain.mul(2), doubled, base.toString());
            INDArray same = run(new SplitLearningRateUpdater(base.clone()), 0, null, 2);
            assertEquals(run(base.clone(), 0, null, 2), same, "multipliers start at 1: " + base);
        }
    }

    @Test
    void decoupledDecayIsScaledByTheSameMultiplier() {
        // Sgd with a zero gradient: the only change is the decay, lr·wd·m·p
        Map<String, INDArray> params = Map.of("w", param());
        ParameterOptimizer opt = new ParameterOptimizer(new SplitLearningRateUpdater(new Sgd(LR)), LR, 0.5, Set.of("w"));
        ((SplitLearningRateGradientUpdater) opt.updater("w", params.get("w"))).setMultipliers(Nd4j.scalar(3f));
        opt.step(params, Map.of("w", Nd4j.zeros(DataType.FLOAT, 3, 4)), 0);
        INDArray expected = param().sub(param().mul(3 * 1e-2 * 0.5));
        assertTrue(expected.equalsWithEps(params.get("w"), 1e-7), params.get("w").toString());
    }

    @Test
    void aNeuronMaskMovesOnlyTheChosenRows() {
        INDArray mask = Nd4j.zeros(DataType.FLOAT, 3, 4);
        mask.getRow(1).assign(1);
        INDArray after = run(new SplitLearningRateUpdater(new Adam(LR)), 0.1, mask, 2);
        assertEquals(param().getRow(0), after.getRow(0));
        assertEquals(param().getRow(2), after.getRow(2));
        assertNotEquals(param().getRow(1), after.getRow(1));
    }

    @Test
    void momentsAndMultipliersSurviveSaveAndRestore() {
        INDArray mask = Nd4j.linspace(0, 2, 12, DataType.FLOAT).reshape(3, 4);
        SplitLearningRateUpdater cfg = new SplitLearningRateUpdater(new Adam(LR));
        Map<String, INDArray> a = new HashMap<>(Map.of("w", param()));
        ParameterOptimizer opt = new ParameterOptimizer(cfg, LR, 0.1, Set.of("w"));
        ((SplitLearningRateGradientUpdater) opt.updater("w", a.get("w"))).setMultipliers(mask);
        opt.step(a, Map.of("w", grad(0)), 0);
        opt.step(a, Map.of("w", grad(1)), 1);
        Map<String, INDArray> saved = new HashMap<>();
        opt.state().forEach((k, v) -> saved.put(k, v.dup()));
        Map<String, INDArray> b = new HashMap<>(Map.of("w", a.get("w").dup()));
        ParameterOptimizer resumed = new ParameterOptimizer(cfg.clone(), LR, 0.1, Set.of("w"));
        resumed.restore(b, saved);
        assertEquals(mask.reshape(1, 12), ((SplitLearningRateGradientUpdater) resumed.updater("w", b.get("w"))).multipliers());
        opt.step(a, Map.of("w", grad(2)), 2);
        resumed.step(b, Map.of("w", grad(2)), 2);
        assertEquals(a.get("w"), b.get("w"), "a resumed optimizer continues exactly");
    }

    @Test
    void worksAsSameDiffsOwnUpdaterInFit() {
        org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
        var x = sd.placeHolder("x", DataType.FLOAT, -1, 3);
        var y = sd.placeHolder("y", DataType.FLOAT, -1, 2);
        var w = sd.var("w", Nd4j.linspace(-1, 1, 6, DataType.FLOAT).reshape(3, 2));
        sd.loss.meanSquaredError("loss", y, x.mmul(w), null);
        sd.setLossVariables("loss");
        sd.setTrainingConfig(TrainingConfig.builder().updater(new SplitLearningRateUpdater(new Adam(1e-2)))
                .dataSetFeatureMapping("x").dataSetLabelMapping("y").build());
        org.nd4j.linalg.dataset.DataSet ds = new org.nd4j.linalg.dataset.DataSet(
                Nd4j.linspace(0, 1, 12, DataType.FLOAT).reshape(4, 3), Nd4j.ones(DataType.FLOAT, 4, 2));
        sd.fit(ds);
        INDArray afterFirst = w.getArr().dup();
        assertNotEquals(Nd4j.linspace(-1, 1, 6, DataType.FLOAT).reshape(3, 2), afterFirst, "multipliers start at 1");
        SplitLearningRateGradientUpdater gu = (SplitLearningRateGradientUpdater) sd.getUpdaterMap().get("w");
        INDArray rowMask = Nd4j.createFromArray(new float[][]{{0, 0}, {1, 1}, {0, 0}});
        gu.setMultipliers(rowMask);
        sd.fit(ds);
        assertEquals(afterFirst.getRow(0), w.getArr().getRow(0), "masked row frozen inside SameDiff's fit");
        assertEquals(afterFirst.getRow(2), w.getArr().getRow(2));
        assertNotEquals(afterFirst.getRow(1), w.getArr().getRow(1));
    }

    @Test
    void configSurvivesNd4jJson() {
        SplitLearningRateUpdater cfg = new SplitLearningRateUpdater(new Adam(3e-4));
        TrainingConfig tc = TrainingConfig.builder().updater(cfg).dataSetFeatureMapping("x").dataSetLabelMapping("y").build();
        TrainingConfig back = TrainingConfig.fromJson(tc.toJson());
        assertEquals(cfg, back.getUpdater());
    }
}
