package io.adept4j.stage2;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.stage1.Placement;
import io.adept4j.stage1.SelectiveExpander;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.OutputStream;
import java.io.PrintWriter;
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
        TuneConfig tc = new TuneConfig(24, 8, 1e-2, 2, 0.0, 1.0, 8, true, Granularity.NEURON, "continuous", 0.5, 2, 0.1,
                2, 12, 2, 0.0, 3);
        AdeptTrainer.Result r = new AdeptTrainer(tc, new PrintWriter(OutputStream.nullOutputStream()))
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
                assertEquals(before.get(e.getKey()), e.getValue(), e.getKey() + " is frozen");
            }
        }
    }
}
