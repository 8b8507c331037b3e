package io.adept4j.samediff;

import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.Policy;
import io.adept4j.stage2.TuneConfig;
import io.adept4j.listeners.PerplexityMonitor.GuardAction;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.stage1.Placement;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdeptTrainerTest {

    @Test
    void tuningTheCopiesLearnsTheDomainAndTouchesNothingElse() {
        String dir = System.getProperty("adept4j.corpora", "../corpora");
        List<Document> math = CorpusReader.read(Path.of(dir, "math.jsonl.gz")).documents().subList(0, 40);
        List<Document> general = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents().subList(0, 6);
        LmConfig cfg = new LmConfig(257, 32, 2, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false, new ByteTokenizer().spec());
        CausalLm base = CausalLm.build(cfg, CausalLm.initWeights(cfg, 1), 32, DataType.FLOAT);
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.explicit(new int[]{1}, 2), null, null);
        Map<String, INDArray> before = new HashMap<>();
        ex.model().weights().forEach((k, v) -> before.put(k, v.dup()));
        TuneConfig tc = TuneConfig.builder(24, 8, 3).learningRate(1e-2).warmupSteps(2)
                .weightDecay(0.0).clipNorm(1.0).refreshEvery(8).initialProbe(true)
                .granularity(Granularity.NEURON).policy(Policy.CONTINUOUS).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(12, 2).replayWeight(0.0).guard(1.0, GuardAction.WARN).build();
        AdeptTrainer.Result r = new AdeptTrainer(tc).quiet()
                .run(ex.model(), ex.manifest(), math, general);
        assertTrue(r.domainAfter().perplexity() < r.domainBefore().perplexity(),
                r.domainBefore().perplexity() + " -> " + r.domainAfter().perplexity());
        assertEquals(3, r.refreshes().size(), "at steps 0, 8 and 16");
        for (AdeptTrainer.Refresh f : r.refreshes()) {
            for (AdeptTrainer.UnitSummary u : f.units()) {
                assertTrue(u.multiplierMin() >= 0 && u.multiplierMax() <= 2 + 1e-9, u.toString());
            }
        }
        assertTrue(r.refreshes().get(0).units().stream().anyMatch(u -> u.seededFrom() != null),
                "at step 0 the copy's inner tensors are seeded from the source block");
        assertEquals(3, r.generalCurve().size());
        assertEquals(3, r.domainCurve().size());
        for (Map.Entry<String, INDArray> e : ex.model().weights().entrySet()) {
            if (!ex.manifest().trainableTensors().contains(e.getKey())) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(io.adept4j.TestData.bits(before.get(e.getKey())),
                        io.adept4j.TestData.bits(e.getValue()), e.getKey() + " is frozen, bit for bit");
            }
        }
    }

    @Test
    void aTuningRunResumedFromItsCheckpointMatchesAnUninterruptedOne(@org.junit.jupiter.api.io.TempDir Path tmp) {
        String dir = System.getProperty("adept4j.corpora", "../corpora");
        List<Document> math = CorpusReader.read(Path.of(dir, "math.jsonl.gz")).documents().subList(0, 30);
        List<Document> general = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents().subList(0, 4);
        LmConfig cfg = new LmConfig(257, 32, 2, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false, new ByteTokenizer().spec());
        CausalLm base = CausalLm.build(cfg, CausalLm.initWeights(cfg, 1), 32, DataType.FLOAT);
        // refreshes at 0 and 4; the interruption at 5 falls between a refresh and the next checkpoint-free stretch
        TuneConfig tc = TuneConfig.builder(9, 4, 5).learningRate(1e-2).warmupSteps(2)
                .weightDecay(0.1).clipNorm(1.0).refreshEvery(4).initialProbe(true)
                .granularity(Granularity.NEURON).policy(Policy.CONTINUOUS).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(3, 1).replayWeight(0.0).guard(1.0, GuardAction.WARN).build();

        SelectiveExpander.Expansion a = SelectiveExpander.expand(base, Placement.explicit(new int[]{1}, 2), null, null);
        AdeptTrainer.Result straight = new AdeptTrainer(tc).quiet().run(a.model(), a.manifest(), math, general);

        SelectiveExpander.Expansion b = SelectiveExpander.expand(base, Placement.explicit(new int[]{1}, 2), null, null);
        Path ckpt = tmp.resolve("checkpoint");
        AdeptTrainer.Result first = new AdeptTrainer(tc).quiet().withCheckpoints(ckpt, 100).stoppingAfter(5)
                .run(b.model(), b.manifest(), math, general);
        assertEquals(5, first.stepsDone());
        b.model().tensor(b.manifest().trainableTensors().get(0)).addi(1.0); // damage: the resume must restore it
        AdeptTrainer.Result resumed = new AdeptTrainer(tc).quiet().withCheckpoints(ckpt, 100).resuming(true)
                .run(b.model(), b.manifest(), math, general);
        assertEquals(straight.trainCurve(), resumed.trainCurve());
        assertEquals(straight.refreshes(), resumed.refreshes());
        assertEquals(straight.generalCurve(), resumed.generalCurve());
        for (String t : a.manifest().trainableTensors()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(io.adept4j.TestData.bits(a.model().tensor(t)),
                    io.adept4j.TestData.bits(b.model().tensor(t)), t + ": the resumed run ends bit for bit where the straight one does");
        }
        TuneConfig other = TuneConfig.builder(9, 4, 5).learningRate(2e-2).warmupSteps(2)
                .weightDecay(0.1).clipNorm(1.0).refreshEvery(4).initialProbe(true)
                .granularity(Granularity.NEURON).policy(Policy.CONTINUOUS).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(3, 1).replayWeight(0.0).guard(1.0, GuardAction.WARN).build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new AdeptTrainer(other).quiet().withCheckpoints(ckpt, 100).resuming(true)
                        .run(b.model(), b.manifest(), math, general));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
    }
}
