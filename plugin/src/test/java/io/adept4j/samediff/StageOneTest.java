package io.adept4j.samediff;

import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.Placement;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import io.adept4j.train.ParameterOptimizer;
import io.adept4j.train.WarmupCosineSchedule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StageOneTest {

    static final LmConfig CFG = io.adept4j.TestData.TINY_BYTE_MODEL;
    static TokenWindows probeWindows;
    static DataSet batch;

    @BeforeAll
    static void data() {
        String dir = System.getProperty("adept4j.corpora", "../corpora");
        List<Document> docs = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents().subList(0, 2);
        probeWindows = TokenWindows.build("probe", docs, new ByteTokenizer(), WindowSpec.perDocument(32));
        batch = new NextTokenDataSetIterator(probeWindows, 4, BatchLayout.SAMEDIFF, 257, false, 0).next();
    }

    /** A model whose blocks differ clearly (random, larger-than-init weights), so ΔL is not ~0 everywhere. */
    static CausalLm model(long seed) {
        return io.adept4j.TestData.distinctBlocks(CFG, seed, 32);
    }

    @Test
    void skippingABlockGivesTheLossOfTheModelRebuiltWithoutIt() {
        CausalLm lm = model(1);
        ProbeResult probe = new LayerProber(4, 3).probe(lm, probeWindows);
        assertEquals(4, probe.layers().size());
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(probeWindows, 4, BatchLayout.SAMEDIFF, 257, false, 0);
        List<DataSet> batches = List.of(it.next(), it.next(), it.next());
        for (int skip = 0; skip < 4; skip++) {
            List<Integer> rest = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                if (i != skip) {
                    rest.add(i);
                }
            }
            Map.Entry<LmConfig, Map<String, INDArray>> s = BlockStack.restack(CFG, lm.weights(), rest, Set.of());
            CausalLm without = CausalLm.build(s.getKey(), s.getValue(), 32, DataType.FLOAT);
            double delta = 0;
            for (DataSet b : batches) {
                delta += without.loss(b) - lm.loss(b);
            }
            delta /= batches.size();
            assertEquals(delta, probe.layers().get(skip).deltaLoss(), 1e-5, "block " + skip);
        }
        assertTrue(probe.layers().stream().anyMatch(l -> Math.abs(l.deltaLoss()) > 1e-3), "blocks matter: " + probe);
        assertTrue(probe.layers().stream().allMatch(l -> l.stdErr() >= 0), "standard errors: " + probe);
    }

    @Test
    void expansionPreservesTheFunctionAndZeroesExactlyTheOutputProjections() {
        CausalLm base = model(2);
        ProbeResult probe = new LayerProber(4, 2).probe(base, probeWindows);
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.lowestDelta(probe, 2), batch, "probe.json");
        ExpansionManifest m = ex.manifest();
        assertEquals(6, ex.model().config().numLayers());
        assertEquals(probe.leastImportantFirst().subList(0, 2).stream().sorted().toList(), m.sources());
        assertEquals(0.0, m.maxAbsLogitDiff(), "zeroed output projections add exactly 0 to the residual stream");
        Map<String, INDArray> bw = base.weights();
        Map<String, INDArray> ew = ex.model().weights();
        for (ExpansionManifest.Block b : m.blocks()) {
            String from = LlamaLayout.layerPrefix(b.source());
            String to = LlamaLayout.layerPrefix(b.index());
            for (String name : LlamaLayout.blockTensors(CFG, b.source()).keySet()) {
                INDArray src = bw.get(name);
                INDArray got = ew.get(to + name.substring(from.length()));
                boolean output = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight");
                if (b.copy() && output) {
                    assertEquals(0.0, got.amaxNumber().doubleValue(), "copy's output projection " + to + name + " is zero");
                } else {
                    assertEquals(src, got, (b.copy() ? "copy " : "original ") + to + name.substring(from.length()));
                }
            }
        }
        assertEquals(2 * 2, m.zeroedTensors().size());
        for (String z : m.zeroedTensors()) {
            assertTrue(z.endsWith("o_proj.weight") || z.endsWith("down_proj.weight"), z);
        }
        // held-out text (code, never seen): logits still equal
        List<Document> code = CorpusReader.read(Path.of(System.getProperty("adept4j.corpora", "../corpora"),
                "code.jsonl.gz")).documents().subList(0, 1);
        DataSet held = new NextTokenDataSetIterator(TokenWindows.build("code", code, new ByteTokenizer(),
                WindowSpec.packed(32)), 8, BatchLayout.SAMEDIFF, 257, false, 0).next();
        double diff = Nd4j.math().abs(base.logits(held.getFeatures()).sub(ex.model().logits(held.getFeatures())))
                .maxNumber().doubleValue();
        assertEquals(0.0, diff, "held-out max |logit diff|");
    }

    /**
     * Where the copies sit, derived from the base alone (not from the manifest the expander wrote): walking the base
     * blocks in order, block i is followed by its copy when i is a source. Copies appended at the end, or in the wrong
     * order, fail here.
     */
    @Test
    void eachCopySitsRightAfterItsSourceAndEveryBlockHoldsTheRightWeights() {
        CausalLm base = model(6);
        int[] sources = {0, 2};
        CausalLm expanded = SelectiveExpander.expand(base, Placement.explicit(sources, 4), null, null).model();
        List<int[]> expected = new ArrayList<>(); // {base block, 1 if copy}
        for (int i = 0; i < 4; i++) {
            expected.add(new int[]{i, 0});
            if (i == 0 || i == 2) {
                expected.add(new int[]{i, 1});
            }
        }
        assertEquals(expected.size(), expanded.config().numLayers());
        Map<String, INDArray> bw = base.weights();
        Map<String, INDArray> ew = expanded.weights();
        for (int at = 0; at < expected.size(); at++) {
            int src = expected.get(at)[0];
            boolean copy = expected.get(at)[1] == 1;
            String from = LlamaLayout.layerPrefix(src);
            String to = LlamaLayout.layerPrefix(at);
            for (String name : LlamaLayout.blockTensors(CFG, src).keySet()) {
                INDArray got = ew.get(to + name.substring(from.length()));
                boolean output = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight");
                if (copy && output) {
                    assertEquals(0.0, got.amaxNumber().doubleValue(), to + name.substring(from.length()));
                } else {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(io.adept4j.TestData.bits(bw.get(name)),
                            io.adept4j.TestData.bits(got), "block " + at + " should hold base block " + src
                                    + (copy ? "'s copy" : ""));
                }
            }
        }
        for (String shared : List.of(LlamaLayout.EMBED, LlamaLayout.FINAL_NORM)) {
            assertEquals(bw.get(shared), ew.get(shared), shared);
        }
    }

    /** ΔL values known in advance, negative ones included: the K smallest, whatever the order they are listed in. */
    @Test
    void lowestDeltaTakesTheKSmallestLossIncreasesNegativeOnesFirst() {
        double[] delta = {0.5, -0.1, 0.2, -0.3, 0.0};
        List<ProbeResult.Layer> layers = new ArrayList<>();
        for (int i : new int[]{4, 0, 3, 2, 1}) { // listed out of block order on purpose
            layers.add(new ProbeResult.Layer(i, delta[i], 0.01));
        }
        ProbeResult probe = new ProbeResult("m", 5, 3.0, layers, 100, 2, 1, 1);
        assertEquals(List.of(3), Placement.lowestDelta(probe, 1).sources());
        assertEquals(List.of(1, 3), Placement.lowestDelta(probe, 2).sources());
        assertEquals(List.of(1, 3, 4), Placement.lowestDelta(probe, 3).sources());
        assertEquals(List.of(1, 2, 3, 4), Placement.lowestDelta(probe, 4).sources());
        List<ProbeResult.Layer> dup = new ArrayList<>(layers);
        dup.set(0, new ProbeResult.Layer(0, 0.7, 0.01)); // block 0 twice, block 4 missing
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Placement.lowestDelta(new ProbeResult("m", 5, 3.0, dup, 100, 2, 1, 1), 2)).getMessage()
                .contains("twice"));
    }

    @Test
    void aTrainingStepOnTheCopiesChangesNothingElse() {
        CausalLm base = model(3);
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.explicit(new int[]{1, 3}, 4), null, null);
        CausalLm lm = ex.model();
        Map<String, INDArray> before = new HashMap<>();
        lm.weights().forEach((k, v) -> before.put(k, v.dup()));
        List<String> trainable = ex.manifest().trainableTensors();
        WarmupCosineSchedule sched = new WarmupCosineSchedule(1e-2, 0, 10, 1.0);
        ParameterOptimizer opt = new ParameterOptimizer(new Adam(sched), sched, 0.1, Set.copyOf(trainable));
        for (int step = 0; step < 2; step++) {
            CausalLm.LossAndGradients lg = lm.lossAndGradients(batch, trainable);
            assertEquals(Set.copyOf(trainable), lg.gradients().keySet());
            opt.step(lm.weights(), lg.gradients(), step);
        }
        for (Map.Entry<String, INDArray> e : lm.weights().entrySet()) {
            if (trainable.contains(e.getKey())) {
                continue;
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(io.adept4j.TestData.bits(before.get(e.getKey())),
                    io.adept4j.TestData.bits(e.getValue()), "frozen " + e.getKey() + " changed");
        }
        // step 0 moves only the zeroed output projections (every other path ends in a zero matrix); from step 1 on,
        // every tensor of the copies gets a gradient: q/k/v, gate/up, the norms
        List<String> everyCopyTensor = new ArrayList<>();
        for (int copy : List.of(2, 5)) { // copies of blocks 1 and 3 sit at 2 and 5 (checked from the base above)
            everyCopyTensor.addAll(LlamaLayout.blockTensors(lm.config(), copy).keySet());
        }
        assertEquals(Set.copyOf(everyCopyTensor), Set.copyOf(trainable), "every tensor of the copies is trainable");
        for (String t : everyCopyTensor) {
            assertTrue(!java.util.Arrays.equals(io.adept4j.TestData.bits(before.get(t)),
                    io.adept4j.TestData.bits(lm.weights().get(t))), "copy tensor " + t + " trains");
        }
        assertTrue(trainable.stream().allMatch(t -> ex.manifest().copyIndices().stream()
                .anyMatch(i -> t.startsWith(LlamaLayout.layerPrefix(i)))), "only copies are trainable");
    }

    @Test
    void badPlacementsAreRefused() {
        ProbeResult probe = new LayerProber(4, 1).probe(model(4), probeWindows);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Placement.lowestDelta(probe, 0))
                .getMessage().contains("between 1 and"));
        assertThrows(IllegalArgumentException.class, () -> Placement.lowestDelta(probe, 5));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Placement.explicit(new int[]{1, 1}, 4))
                .getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Placement.explicit(new int[]{4}, 4))
                .getMessage().contains("out of range"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Placement.uniform(3, 4))
                .getMessage().contains("divide"));
        assertEquals(List.of(1, 3), Placement.uniform(2, 4).sources());
        CausalLm other = model(5);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> probe.requireFor(other, "probe.json"))
                .getMessage().contains("another model"));
    }
}
