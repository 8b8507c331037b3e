package io.adept4j.spark;

import io.adept4j.TestData;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.samediff.LayerProber;
import io.adept4j.samediff.SelectiveExpander;
import io.adept4j.samediff.UnitImportance;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.Placement;
import io.adept4j.stage1.ProbeResult;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layer probe and the importance gradient sums sharded on a real embedded Spark ({@code local[2]}) equal the
 * single-machine passes over the same batches (max relative difference ≤ 1e-5), including a fresh copy whose
 * importance is seeded from its source block (a second sharded pass).
 */
class SparkProbingTest {

    static final LmConfig CFG = TestData.TINY_BYTE_MODEL;

    static JavaSparkContext sc;
    static TokenWindows windows;

    @BeforeAll
    static void start() {
        sc = SparkContexts.start("local[2]", "probe test");
        List<Document> docs = CorpusReader.read(Path.of("..", "corpora", "general.jsonl.gz")).documents().subList(0, 12);
        windows = TokenWindows.build("probe", docs, new ByteTokenizer(), WindowSpec.perDocument(32));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    static CausalLm model(long seed) {
        return TestData.distinctBlocks(CFG, seed, 32);
    }

    static double relDiff(double a, double b) {
        return Math.abs(a - b) / Math.max(Math.abs(a), 1e-12);
    }

    @Test
    void aShardedProbeEqualsTheSingleMachineProbe() {
        CausalLm lm = model(3);
        LayerProber prober = new LayerProber(4, 7);
        ProbeResult here = prober.probe(lm, windows);
        ProbeResult spark = SparkProbing.probe(sc, lm, windows, prober, 3);
        assertEquals(7, here.batches());
        assertEquals(here.batches(), spark.batches());
        assertEquals(here.tokens(), spark.tokens());
        assertEquals(here.model(), spark.model(), "the probe names the same model");
        assertTrue(relDiff(here.baseLoss(), spark.baseLoss()) <= 1e-5, here.baseLoss() + " vs " + spark.baseLoss());
        for (int l = 0; l < CFG.numLayers(); l++) {
            ProbeResult.Layer a = here.layers().get(l);
            ProbeResult.Layer b = spark.layers().get(l);
            assertTrue(Math.abs(a.deltaLoss()) > 1e-3, "block " + l + " matters: " + a);
            assertTrue(relDiff(a.deltaLoss(), b.deltaLoss()) <= 1e-5, "block " + l + ": " + a + " vs " + b);
            assertTrue(relDiff(a.stdErr(), b.stdErr()) <= 1e-5, "block " + l + ": " + a + " vs " + b);
        }
    }

    @Test
    void shardedImportanceEqualsTheSingleMachinePassAndSeedsFreshCopies() {
        CausalLm base = model(4);
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(windows, 4, BatchLayout.SAMEDIFF, 257, false, 0);
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < 5 && it.hasNext(); i++) {
            batches.add(it.next());
        }
        assertEquals(5, batches.size());
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.explicit(new int[] {1}, 4),
                batches.get(0), null);
        CausalLm lm = ex.model();
        ExpansionManifest m = ex.manifest();
        Map<String, String> seedFrom = m.seedMap(lm.config());
        List<String> copy = m.trainableTensors();
        UnitImportance.Result here = UnitImportance.compute(lm, batches, copy, seedFrom);
        UnitImportance.Result spark;
        try (SparkProbing.ShardedGradients g = SparkProbing.gradients(sc, lm, batches, 2)) {
            spark = UnitImportance.compute(lm, g, copy, seedFrom);
        }
        assertFalse(here.seeded().isEmpty(), "a fresh copy's zero-gradient tensors are seeded from their source");
        assertEquals(here.seeded(), spark.seeded());
        int scored = 0;
        for (String t : copy) {
            INDArray a = here.elements().get(t);
            INDArray b = spark.elements().get(t);
            double scale = Math.max(a.amaxNumber().doubleValue(), 1e-12);
            scored += scale > 1e-12 ? 1 : 0; // the zeroed output projections have none: |w| = 0
            double diff = Transforms.abs(a.sub(b), false).maxNumber().doubleValue();
            assertTrue(diff / scale <= 1e-5, t + ": max |Δ| " + diff + " against max " + scale);
        }
        assertEquals(copy.size() - 2, scored, "every copy tensor but the two zeroed output projections has importance");
    }
}
