package io.adept4j;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.graph.GraphAdept;
import io.adept4j.graph.ResidualGraphs;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.stage2.AdeptTrainer;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.TuneConfig;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.OutputStream;
import java.io.PrintWriter;
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
        Adept.Settings s = new Adept.Settings(1, new TuneConfig(12, 8, 1e-2, 1, 0.0, 1.0, 6, true, Granularity.NEURON,
                "continuous", 0.5, 2, 0.1, 2, 6, 2, 0.0, 3, 1.0, "warn"));
        PrintWriter quiet = new PrintWriter(OutputStream.nullOutputStream());

        String dir = System.getProperty("adept4j.corpora", "../corpora");
        List<Document> math = CorpusReader.read(Path.of(dir, "math.jsonl.gz")).documents().subList(0, 30);
        List<Document> general = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents().subList(0, 6);
        LmConfig cfg = new LmConfig(257, 32, 2, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false, new ByteTokenizer().spec());
        CausalLm lm = CausalLm.build(cfg, CausalLm.initWeights(cfg, 1), 32, DataType.FLOAT);
        Adept.Outcome<CausalLm> a = Adept.adapt(lm, general, math, s, quiet);
        assertEquals(3, a.model().config().numLayers());
        assertEquals(1, a.manifest().copyIndices().size());
        assertTrue(a.domainLossAfter() < a.domainLossBefore(), a.domainLossBefore() + " -> " + a.domainLossAfter());
        assertInstanceOf(AdeptTrainer.Result.class, a.detail());

        ComputationGraph cg = ResidualGraphs.residualMlp(6, 8, 12, 3, 3, new Adam(1e-2), 7);
        task(1, 0, 6).forEach(cg::fit);
        Adept.Outcome<ComputationGraph> b = Adept.adapt(cg, new ListDataSetIterator<>(task(1, 0, 3)),
                new ListDataSetIterator<>(task(9, 1, 4)), new ListDataSetIterator<>(task(9, 1, 2)), s, quiet);
        assertEquals(4, b.manifest().expandedLayers());
        assertEquals(1, b.manifest().copyIndices().size());
        assertTrue(b.domainLossAfter() < b.domainLossBefore(), b.domainLossBefore() + " -> " + b.domainLossAfter());
        assertEquals(12, ((GraphAdept.Result) b.detail()).steps());

        Adept.Settings tooMany = new Adept.Settings(3, s.tune());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adept.adapt(lm, general, math, tooMany, quiet))
                .getMessage().contains("k = 3 but the model has only 2 blocks"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adept.adapt(cg, new ListDataSetIterator<>(task(1, 0, 2)),
                new ListDataSetIterator<>(task(9, 1, 2)), new ListDataSetIterator<>(task(9, 1, 1)),
                new Adept.Settings(4, s.tune()), quiet)).getMessage().contains("k = 4 but the graph has 3 blocks"));
    }
}
