package io.adept4j.samediff;

import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.Policy;
import io.adept4j.stage2.TuneConfig;
import io.adept4j.listeners.PerplexityMonitor.GuardAction;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.SplitWindows;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.stage1.Placement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of Stage 2 as it really runs ({@link AdeptTrainer} on a real expanded model and real text), each written
 * so that a broken ADEPT fails it: multipliers that never reach the optimizer, importance taken from the domain corpus,
 * decoupled tuning that trains like the uniform ablation.
 */
class DecoupledTuningTest {

    static final LmConfig CFG = new LmConfig(257, 32, 2, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false,
            new ByteTokenizer().spec());
    static List<Document> math;
    static List<Document> general;

    @BeforeAll
    static void data() {
        String dir = System.getProperty("adept4j.corpora", "../corpora");
        math = CorpusReader.read(Path.of(dir, "math.jsonl.gz")).documents().subList(0, 30);
        general = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents().subList(0, 4);
    }

    static SelectiveExpander.Expansion expanded() {
        CausalLm base = CausalLm.build(CFG, CausalLm.initWeights(CFG, 1), 32, DataType.FLOAT);
        return SelectiveExpander.expand(base, Placement.explicit(new int[]{1}, 2), null, null);
    }

    /** Multipliers from step 0 (initial probe) and no refresh after it, weight decay on: what each unit got stays. */
    static TuneConfig settings(int steps, Granularity g, Policy policy) {
        return TuneConfig.builder(steps, 4, 5).learningRate(1e-2).warmupSteps(1)
                .weightDecay(0.1).clipNorm(1.0).refreshEvery(1000).initialProbe(true)
                .granularity(g).policy(policy).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(1000, 1).replayWeight(0.0).guard(1.0, GuardAction.OFF).build();
    }

    /**
     * The min–max policy gives the most general-important unit a multiplier of exactly 0: during real tuning that unit
     * (with its weight decay) must not move by one bit, while units with a positive multiplier do. Fails when the
     * refreshed multipliers are not installed in the optimizer, or when decay ignores them.
     */
    @Test
    void aUnitWithMultiplierZeroStaysStillWhileTheOthersTrain() {
        for (Granularity g : List.of(Granularity.TENSOR, Granularity.NEURON)) {
            SelectiveExpander.Expansion ex = expanded();
            Map<String, INDArray> before = new HashMap<>();
            ex.model().weights().forEach((k, v) -> before.put(k, v.dup()));
            AdeptTrainer.Result r = new AdeptTrainer(settings(4, g, Policy.CONTINUOUS)).quiet()
                    .run(ex.model(), ex.manifest(), math, general);
            assertEquals(1, r.refreshes().size(), "one refresh, before step 0");
            int frozenUnits = 0;
            int movingUnits = 0;
            for (Map.Entry<String, double[]> e : r.finalMultipliers().entrySet()) {
                INDArray w0 = before.get(e.getKey());
                INDArray w1 = ex.model().tensor(e.getKey());
                double[] m = e.getValue();
                for (int u = 0; u < m.length; u++) {
                    INDArray a = g == Granularity.TENSOR ? w0 : unit(w0, u);
                    INDArray b = g == Granularity.TENSOR ? w1 : unit(w1, u);
                    if (m[u] == 0.0) {
                        org.junit.jupiter.api.Assertions.assertArrayEquals(bits(a), bits(b),
                                g + " unit " + u + " of " + e.getKey() + " has multiplier 0 but moved");
                        frozenUnits++;
                    } else if (m[u] > 0.1 && !java.util.Arrays.equals(bits(a), bits(b))) {
                        movingUnits++;
                    }
                }
            }
            assertTrue(frozenUnits >= 1, g + ": min-max gives the top unit exactly 0");
            assertTrue(movingUnits >= 3, g + ": units with a positive multiplier train (" + movingUnits + ")");
        }
    }

    private static int[] bits(INDArray a) {
        return io.adept4j.TestData.bits(a);
    }

    /** A neuron unit: the output row of an {@code [out, in]} matrix, one element of a vector. */
    private static INDArray unit(INDArray w, int u) {
        return w.rank() == 2 ? w.getRow(u).dup() : w.getScalar(u).dup();
    }

    /**
     * The importance behind the multipliers is measured on GENERAL training text: the trainer's step-0 importances
     * equal those computed by hand on general training batches, and differ from the same computation on domain batches.
     */
    @Test
    void importanceIsMeasuredOnGeneralTrainingText() {
        SelectiveExpander.Expansion ex = expanded();
        CausalLm fresh = expanded().model();
        TuneConfig tc = settings(1, Granularity.TENSOR, Policy.CONTINUOUS);
        AdeptTrainer.Result r = new AdeptTrainer(tc).quiet().run(ex.model(), ex.manifest(), math, general);
        List<String> trainable = ex.manifest().trainableTensors();
        Map<String, String> seeds = ex.manifest().seedMap(fresh.config());
        UnitImportance.Result onGeneral = UnitImportance.compute(fresh, batches(general, tc), trainable, seeds);
        UnitImportance.Result onDomain = UnitImportance.compute(fresh, batches(math, tc), trainable, seeds);
        boolean differs = false;
        for (AdeptTrainer.UnitSummary u : r.refreshes().get(0).units()) {
            double expected = onGeneral.units(u.name(), Granularity.TENSOR).getDouble(0);
            assertEquals(expected, u.importanceMean(), 1e-6 * Math.abs(expected), u.name());
            differs |= Math.abs(onDomain.units(u.name(), Granularity.TENSOR).getDouble(0) - expected) > 1e-6 * Math.abs(expected);
        }
        assertTrue(differs, "domain batches would give other importances (the test can tell them apart)");
    }

    /** The probe batches the trainer documents: the first {@code probeBatches} of the training side, shuffled with seed+1. */
    private static List<DataSet> batches(List<Document> docs, TuneConfig tc) {
        TokenWindows train = SplitWindows.build("c", docs, SplitWindows.DEFAULT_VALIDATION_FRACTION, tc.seed(),
                new ByteTokenizer(), WindowSpec.packed(32)).train();
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(train, tc.batchSize(), BatchLayout.SAMEDIFF, 257,
                true, tc.seed() + 1);
        List<DataSet> out = new ArrayList<>();
        while (it.hasNext() && out.size() < tc.probeBatches()) {
            out.add(it.next());
        }
        return out;
    }

    /** Decoupled and uniform tuning of the same copies on the same data end in different weights. */
    @Test
    void decoupledTuningTrainsDifferentlyFromOneLearningRate() {
        SelectiveExpander.Expansion a = expanded();
        SelectiveExpander.Expansion b = expanded();
        new AdeptTrainer(settings(3, Granularity.TENSOR, Policy.CONTINUOUS)).quiet().run(a.model(), a.manifest(), math, general);
        AdeptTrainer.Result uniform = new AdeptTrainer(settings(3, Granularity.TENSOR, Policy.UNIFORM)).quiet()
                .run(b.model(), b.manifest(), math, general);
        assertTrue(uniform.refreshes().isEmpty(), "the uniform ablation never scores units");
        int differ = 0;
        for (String t : a.manifest().trainableTensors()) {
            if (!java.util.Arrays.equals(bits(a.model().tensor(t)), bits(b.model().tensor(t)))) {
                differ++;
            }
        }
        assertTrue(differ >= a.manifest().trainableTensors().size() / 2, differ + " tensors differ");
        CausalLm fresh = expanded().model();
        for (String t : b.manifest().trainableTensors()) {
            assertFalse(java.util.Arrays.equals(bits(fresh.tensor(t)), bits(b.model().tensor(t))),
                    t + " trained with one learning rate");
        }
        assertFalse(a.manifest().trainableTensors().isEmpty());
    }

    /**
     * Without an initial probe (the default, as the paper's code) every multiplier is 1 until the first refresh: ADEPT's
     * first {@code refreshEvery} steps are bit for bit those of one learning rate, and only the refresh makes them differ.
     * Fails when the trainer scores units before step 0 or starts its updaters with anything but 1.
     */
    @Test
    void untilTheFirstRefreshEveryMultiplierIsOne() {
        for (int steps : new int[]{2, 3}) {
            SelectiveExpander.Expansion a = expanded();
            SelectiveExpander.Expansion b = expanded();
            TuneConfig adept = settings(steps, Granularity.NEURON, TuneConfig.DEFAULT_POLICY).toBuilder()
                    .initialProbe(false).refreshEvery(2).build();
            AdeptTrainer.Result ra = new AdeptTrainer(adept).quiet().run(a.model(), a.manifest(), math, general);
            new AdeptTrainer(adept.toBuilder().policy(Policy.UNIFORM).build()).quiet().run(b.model(), b.manifest(), math,
                    general);
            boolean same = true;
            for (String t : a.manifest().trainableTensors()) {
                same &= java.util.Arrays.equals(bits(a.model().tensor(t)), bits(b.model().tensor(t)));
            }
            if (steps == 2) {
                assertTrue(ra.refreshes().isEmpty(), "no refresh before step refreshEvery");
                assertTrue(same, "the warm phase trains exactly like one learning rate");
            } else {
                assertEquals(1, ra.refreshes().size(), "the refresh at step 2");
                assertFalse(same, "after the first refresh the multipliers decouple the units");
            }
        }
    }
}
