package io.adept4j.train;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.model.ModelStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainerTest {

    static List<Document> docs;
    static final LmConfig MODEL = new LmConfig(257, 32, 2, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false,
            new ByteTokenizer().spec());

    @TempDir
    Path tmp;

    @BeforeAll
    static void readCorpus() {
        String dir = System.getProperty("adept4j.corpora", "../corpora");
        docs = CorpusReader.read(Path.of(dir, "math.jsonl.gz")).documents().subList(0, 40);
    }

    static PretrainConfig settings(int steps) {
        return new PretrainConfig(steps, 4, 32, 3e-3, 0.1, 2, 0.1, 1.0, 4, 2, 4, 1, 0.1, 7);
    }

    @Test
    void resumedRunReproducesTheUninterruptedLossCurve() throws Exception {
        Pretrainer.Result full = new Pretrainer(MODEL, settings(10)).run(docs, tmp.resolve("a"), false, 0);
        Pretrainer.Result first = new Pretrainer(MODEL, settings(10)).run(docs, tmp.resolve("b"), false, 6);
        assertFalse(first.finished());
        assertFalse(Files.exists(tmp.resolve("b").resolve(Pretrainer.MODEL)), "an interrupted run saves no final model");
        Pretrainer.Result rest = new Pretrainer(MODEL, settings(10)).run(docs, tmp.resolve("b"), true, 0);
        assertTrue(rest.finished());
        assertEquals(6, rest.startStep());
        assertEquals(full.trainCurve(), rest.trainCurve(), "same losses, bit for bit, at every step");
        assertEquals(full.finalValidation(), rest.finalValidation());
        INDArray wa = ModelStore.load(tmp.resolve("a").resolve(Pretrainer.MODEL), 32).weights().get("model.norm.weight");
        INDArray wb = ModelStore.load(tmp.resolve("b").resolve(Pretrainer.MODEL), 32).weights().get("model.norm.weight");
        assertEquals(wa, wb);
    }

    @Test
    void trainingLowersTheLossAndBeatsUnigram() throws Exception {
        PretrainConfig fast = new PretrainConfig(80, 8, 32, 1e-2, 0.1, 4, 0.0, 1.0, 0, 2, 0, 10, 0.1, 7);
        Pretrainer.Result r = new Pretrainer(MODEL, fast).run(docs, tmp.resolve("c"), false, 0);
        double first = r.trainCurve().get(0).loss();
        double last = r.trainCurve().get(r.trainCurve().size() - 1).loss();
        assertTrue(last < first - 1.0, "loss " + first + " -> " + last);
        assertTrue(r.finalValidation().perplexity() < r.unigramPerplexity(),
                r.finalValidation().perplexity() + " vs unigram " + r.unigramPerplexity());
    }

    @Test
    void saveLoadGivesIdenticalLogits() throws Exception {
        CausalLm lm = CausalLm.build(MODEL, CausalLm.initWeights(MODEL, 3), 32, org.nd4j.linalg.api.buffer.DataType.FLOAT);
        ModelStore.save(lm, tmp.resolve("m"));
        CausalLm back = ModelStore.load(tmp.resolve("m"), 32);
        INDArray ids = Nd4j.createFromArray(new int[][]{java.util.stream.IntStream.range(0, 32).map(i -> (i * 37) % 257).toArray()});
        assertEquals(lm.logits(ids), back.logits(ids));
        assertEquals(lm.config(), back.config());
        assertTrue(Files.exists(tmp.resolve("m").resolve(ModelStore.GRAPH)));
    }

    @Test
    void resumeProblemsAreExplained() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Pretrainer(MODEL, settings(10)).run(docs, tmp.resolve("none"), true, 0));
        assertTrue(e.getMessage().contains("no checkpoint"), e.getMessage());
        new Pretrainer(MODEL, settings(10)).run(docs, tmp.resolve("d"), false, 2);
        e = assertThrows(IllegalArgumentException.class,
                () -> new Pretrainer(MODEL, settings(12)).run(docs, tmp.resolve("d"), true, 0));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
    }

    @Test
    void corruptCheckpointIsNamed() throws Exception {
        new Pretrainer(MODEL, settings(10)).run(docs, tmp.resolve("e"), false, 2);
        Path w = tmp.resolve("e").resolve(Pretrainer.CHECKPOINT).resolve("weights.zip");
        byte[] bytes = Files.readAllBytes(w);
        Files.write(w, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, // bad input: exit 2 in the CLI
                () -> new Pretrainer(MODEL, settings(10)).run(docs, tmp.resolve("e"), true, 0));
        assertTrue(ex.getMessage().contains("weights.zip") && ex.getMessage().contains("without --resume"), ex.getMessage());
    }
}
