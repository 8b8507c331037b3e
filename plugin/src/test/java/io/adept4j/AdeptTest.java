package io.adept4j;

import io.adept4j.stage2.Policy;
import io.adept4j.listeners.PerplexityMonitor.GuardAction;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.graph.GraphAdept;
import io.adept4j.graph.ResidualGraphs;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.samediff.AdeptTrainer;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.TuneConfig;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdeptTest {

    static List<DataSet> task(long seed, double shift, int batches) {
        return TestData.linearTask(seed, shift, batches, 32, 6, 3);
    }

    @Test
    void oneSettingsObjectDrivesASameDiffModelAndAComputationGraph() {
        Adept.Settings s = new Adept.Settings(1, TuneConfig.builder(12, 8, 3).learningRate(1e-2).warmupSteps(1)
                .weightDecay(0.0).clipNorm(0.0).refreshEvery(6).initialProbe(true)
                .granularity(Granularity.NEURON).policy(Policy.CONTINUOUS).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(6, 2).replayWeight(0.0).guard(1.0, GuardAction.WARN).build());

        String dir = System.getProperty("adept4j.corpora", "../corpora");
        List<Document> math = CorpusReader.read(Path.of(dir, "math.jsonl.gz")).documents().subList(0, 30);
        List<Document> general = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents().subList(0, 6);
        LmConfig cfg = new LmConfig(257, 32, 2, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false, new ByteTokenizer().spec());
        CausalLm lm = CausalLm.build(cfg, CausalLm.initWeights(cfg, 1), 32, DataType.FLOAT);
        Adept.Outcome<CausalLm, AdeptTrainer.Result> a = Adept.adapt(lm, general, math, s);
        assertEquals(3, a.model().config().numLayers());
        assertEquals(1, a.manifest().copyIndices().size());
        assertTrue(a.domainLossAfter() < a.domainLossBefore(), a.domainLossBefore() + " -> " + a.domainLossAfter());
        assertInstanceOf(AdeptTrainer.Result.class, a.detail());

        ComputationGraph cg = ResidualGraphs.residualMlp(6, 8, 12, 3, 3, new Adam(1e-2), 7);
        task(1, 0, 6).forEach(cg::fit);
        Adept.Outcome<ComputationGraph, GraphAdept.Result> b = Adept.adapt(cg, new ListDataSetIterator<>(task(1, 0, 3), 1),
                new ListDataSetIterator<>(task(9, 1, 4)), new ListDataSetIterator<>(task(9, 1, 2)), s);
        assertEquals(4, b.manifest().expandedLayers());
        assertEquals(1, b.manifest().copyIndices().size());
        assertTrue(b.domainLossAfter() < b.domainLossBefore(), b.domainLossBefore() + " -> " + b.domainLossAfter());
        assertEquals(12, b.detail().steps());

        // what a graph cannot honour is refused by name, not silently ignored
        Adept.Settings clipped = new Adept.Settings(1, TuneConfig.builder(12, 8, 3).learningRate(1e-2).warmupSteps(1)
                .weightDecay(0.1).clipNorm(1.0).refreshEvery(6).initialProbe(true)
                .granularity(Granularity.NEURON).policy(Policy.CONTINUOUS).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(6, 2).replayWeight(0.2).guard(1.0, GuardAction.WARN).build());
        String refused = assertThrows(IllegalArgumentException.class, () -> Adept.adapt(cg,
                new ListDataSetIterator<>(task(1, 0, 3), 1), new ListDataSetIterator<>(task(9, 1, 4)),
                new ListDataSetIterator<>(task(9, 1, 2)), clipped)).getMessage();
        assertTrue(refused.contains("weightDecay") && refused.contains("clipNorm") && refused.contains("replayWeight"),
                refused);
        Adept.Settings tooMany = new Adept.Settings(3, s.tune());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adept.adapt(lm, general, math, tooMany))
                .getMessage().contains("K must be between 1 and the number of blocks (2), got 3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adept.adapt(cg, new ListDataSetIterator<>(task(1, 0, 3), 1),
                new ListDataSetIterator<>(task(9, 1, 2)), new ListDataSetIterator<>(task(9, 1, 1)),
                new Adept.Settings(4, s.tune()))).getMessage()
                .contains("K must be between 1 and the number of blocks (3), got 4"));
    }

    /**
     * Probing reads the general corpus's training side only. A document whose first piece lies on the validation side
     * is put first, so a probe that read every general document would start with validation text and measure another
     * base loss.
     */
    @Test
    void theProbeNeverSeesValidationText() {
        String dir = System.getProperty("adept4j.corpora", "../corpora");
        List<Document> all = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents();
        long seed = 3;
        ByteTokenizer tok = new ByteTokenizer();
        java.util.Set<Document> validation = new java.util.HashSet<>(io.adept4j.datavec.window.SplitWindows.build("g",
                all, io.adept4j.datavec.window.SplitWindows.DEFAULT_VALIDATION_FRACTION, seed, tok,
                io.adept4j.datavec.window.WindowSpec.packed(32)).validationDocs());
        Document first = all.stream().filter(d -> validation.contains(io.adept4j.datavec.window.SplitWindows
                .cut(List.of(d), io.adept4j.datavec.window.SplitWindows.PIECE_WINDOWS * 32).get(0))).findFirst().orElseThrow();
        List<Document> general = new java.util.ArrayList<>(List.of(first));
        all.stream().filter(d -> d != first).limit(5).forEach(general::add);
        List<Document> math = CorpusReader.read(Path.of(dir, "math.jsonl.gz")).documents().subList(0, 20);
        LmConfig cfg = new LmConfig(257, 32, 2, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false, tok.spec());
        CausalLm lm = CausalLm.build(cfg, CausalLm.initWeights(cfg, 1), 32, DataType.FLOAT);
        TuneConfig t = TuneConfig.builder(1, 8, seed).learningRate(1e-2).warmupSteps(1)
                .weightDecay(0.0).clipNorm(1.0).refreshEvery(6).initialProbe(false)
                .granularity(Granularity.NEURON).policy(Policy.CONTINUOUS).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(6, 1).replayWeight(0.0).guard(1.0, GuardAction.OFF).build();
        Adept.Outcome<CausalLm, AdeptTrainer.Result> a = Adept.adapt(lm, general, math, new Adept.Settings(1, t));
        double trainSide = new io.adept4j.samediff.LayerProber(8, 2).probe(lm,
                io.adept4j.samediff.LayerProber.trainingSideWindows(general, tok, 32, seed)).baseLoss();
        double everything = new io.adept4j.samediff.LayerProber(8, 2).probe(lm, io.adept4j.datavec.window.TokenWindows
                .build("all", general, tok, io.adept4j.datavec.window.WindowSpec.perDocument(32))).baseLoss();
        assertEquals(trainSide, a.probe().baseLoss(), 0.0, "probed on the training side");
        // the probe set is exactly the training side's pieces, window by window (built here from the split itself)
        io.adept4j.datavec.window.SplitWindows split = io.adept4j.datavec.window.SplitWindows.build("g", general,
                io.adept4j.datavec.window.SplitWindows.DEFAULT_VALIDATION_FRACTION, seed, tok,
                io.adept4j.datavec.window.WindowSpec.packed(32));
        io.adept4j.datavec.window.TokenWindows expected = io.adept4j.datavec.window.TokenWindows.build("train",
                split.trainDocs(), tok, io.adept4j.datavec.window.WindowSpec.perDocument(32));
        io.adept4j.datavec.window.TokenWindows probed = io.adept4j.samediff.LayerProber.trainingSideWindows(general, tok,
                32, seed);
        assertEquals(expected.size(), probed.size(), "no validation piece among the probe windows");
        for (int i = 0; i < expected.size(); i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected.tokens(i), probed.tokens(i), "window " + i);
        }
        assertTrue(Math.abs(everything - trainSide) > 1e-4, "the test can tell the sides apart: " + everything);
    }
}
