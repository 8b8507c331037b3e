package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.model.TensorArchive;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.adept4j.tests.CliTest.adept;
import static io.adept4j.tests.CliTest.corpora;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commonest corpus there is — one plain {@code .txt} file each for general and domain text — through every
 * training command, the base cache keyed by the corpus, and a tuning run killed with SIGKILL in a real process and
 * resumed.
 */
class PlainTextCorpusCliTest {

    @TempDir
    static Path tmp;
    static Path general;
    static Path domain;
    static Path oneLine;

    /** Writes the first {@code n} documents of a bundled corpus as one text file, paragraphs between blank lines. */
    private static Path text(String bundled, int n, String name, String separator) throws Exception {
        List<Document> docs = CorpusReader.read(corpora().resolve(bundled)).documents();
        List<String> parts = new ArrayList<>();
        for (Document d : docs.subList(0, Math.min(n, docs.size()))) {
            parts.add(d.text());
        }
        Path f = tmp.resolve(name);
        Files.writeString(f, String.join(separator, parts));
        return f;
    }

    @BeforeAll
    static void corporaAsText() throws Exception {
        general = text("general.jsonl.gz", 8, "general.txt", "\n\n");
        domain = text("math.jsonl.gz", 60, "math.txt", "\n\n");
        oneLine = tmp.resolve("one-line.txt"); // no line break at all: one document, cut into pieces for the split
        Files.writeString(oneLine, Files.readString(general).replaceAll("\\s+", " "));
    }

    private static JsonNode json(Path p) throws Exception {
        return new ObjectMapper().readTree(p.toFile());
    }

    @Test
    void pretrainRunAndSweepTakeOnePlainTextFileEach() throws Exception {
        for (Path corpus : List.of(general, oneLine)) {
            Path out = tmp.resolve("pt-" + corpus.getFileName());
            CliTest.Run r = adept("pretrain", "--corpus", corpus.toString(), "--preset", "tiny", "--steps", "2",
                    "--tokenizer", "bpe:1024", "--out", out.toString());
            assertEquals(0, r.code(), corpus + ": " + r.err());
            JsonNode res = json(out.resolve("result.json")).get("result");
            assertTrue(res.get("validationTokens").asLong() > 64, "a validation side exists: " + res);
        }
        String cfg = "{\"preset\": \"tiny\", \"tokenizer\": \"bpe:1024\", \"pretrainSteps\": 3, \"baseCache\": \""
                + tmp.resolve("cache") + "\", \"probeBatches\": 2, \"steps\": 3, \"evalBatches\": 1, "
                + "\"finalEvalBatches\": 2, \"tokenEvalBatches\": 1, \"refreshEvery\": 2, \"methods\": [\"adept\"]}";
        Path c = tmp.resolve("run.json");
        Files.writeString(c, cfg);
        CliTest.Run first = adept("run", "--config", c.toString(), "--general", general.toString(), "--domain",
                domain.toString(), "--out", tmp.resolve("run1").toString());
        assertEquals(0, first.code(), first.err());
        JsonNode base1 = json(tmp.resolve("run1").resolve("result.json")).get("run").get("base");
        assertEquals("pretrained", base1.get("source").asText());
        assertTrue(Files.isRegularFile(Path.of(base1.get("dir").asText()).getParent().resolve("provenance.json")));
        // another general corpus must not get the cached base of the first one
        CliTest.Run other = adept("run", "--config", c.toString(), "--general", oneLine.toString(), "--domain",
                domain.toString(), "--out", tmp.resolve("run2").toString());
        assertEquals(0, other.code(), other.err());
        JsonNode base2 = json(tmp.resolve("run2").resolve("result.json")).get("run").get("base");
        assertEquals("pretrained", base2.get("source").asText(), "a new corpus pretrains its own base");
        assertNotEquals(base1.get("dir").asText(), base2.get("dir").asText());
        CliTest.Run again = adept("run", "--config", c.toString(), "--general", general.toString(), "--domain",
                domain.toString(), "--out", tmp.resolve("run3").toString());
        assertEquals(0, again.code(), again.err());
        assertEquals("cached", json(tmp.resolve("run3").resolve("result.json")).get("run").get("base").get("source").asText());
        // a provenance that no longer matches is refused by name, not silently reused
        Path prov = Path.of(base1.get("dir").asText()).getParent().resolve("provenance.json");
        String provenance = Files.readString(prov);
        Files.writeString(prov, provenance.replaceFirst("\"corpusSha256\" *: *\"[0-9a-f]{6}", "\"corpusSha256\" : \"000000"));
        CliTest.Run tampered = adept("run", "--config", c.toString(), "--general", general.toString(), "--domain",
                domain.toString(), "--out", tmp.resolve("run4").toString());
        assertEquals(2, tampered.code(), tampered.err());
        assertTrue(tampered.err().contains("provenance") || tampered.err().contains("another corpus"), tampered.err());
        Files.writeString(prov, provenance);

        Path sweep = tmp.resolve("sweep.json");
        Files.writeString(sweep, "{\"run\": " + cfg.replace(", \"methods\": [\"adept\"]", "")
                + ", \"search\": \"grid\", \"candidates\": 2, \"objective\": \"weighted\", \"space\": {\"k\": {\"int\": [1, 2]}}}");
        CliTest.Run sw = adept("sweep", "--config", sweep.toString(), "--general", general.toString(), "--domain",
                domain.toString(), "--out", tmp.resolve("sweep").toString());
        assertEquals(0, sw.code(), sw.err());
        for (JsonNode cand : json(tmp.resolve("sweep").resolve("sweep.json")).get("candidates")) {
            assertTrue(cand.get("error").isNull(), cand.toString());
        }
    }

    /**
     * {@code adept tune} in its own JVM, killed with SIGKILL after its first checkpoints, then resumed: the result equals
     * the uninterrupted run's (loss curve, validation curves with the point at the resume step, refreshes, weights).
     */
    @Test
    void aTuningRunKilledInARealProcessResumesToTheUninterruptedResult() throws Exception {
        Path base = tmp.resolve("kill-base");
        assertEquals(0, adept("pretrain", "--corpus", general.toString(), "--preset", "tiny", "--steps", "2",
                "--tokenizer", "bpe:1024", "--out", base.toString()).code());
        Path ex = tmp.resolve("kill-ex");
        assertEquals(0, adept("expand", "--model", base.resolve("model").toString(), "--layers", "1", "--out",
                ex.toString()).code());
        String[] tune = {"tune", "--model", ex.resolve("model").toString(), "--domain", domain.toString(), "--general",
                general.toString(), "--steps", "40", "--batch", "2", "--refresh", "7", "--checkpoint-every", "3"};
        Path straight = tmp.resolve("tune-straight");
        assertEquals(0, adept(concat(tune, "--out", straight.toString())).code());

        Path killed = tmp.resolve("tune-killed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx1g", "-Dorg.nd4j.autodiff.samediff=false"));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            cmd.add("--add-modules=jdk.incubator.vector"); // the same kernels as this JVM: the runs must agree exactly
        }
        cmd.add("io.adept4j.cli.AdeptCli");
        cmd.addAll(List.of(concat(tune, "--out", killed.toString())));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        Path state = killed.resolve("checkpoint").resolve("state.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int stepAtKill = -1;
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.isRegularFile(state)) {
                try {
                    stepAtKill = json(state).get("step").asInt();
                } catch (Exception partial) {
                    stepAtKill = -1;
                }
                if (stepAtKill >= 6) {
                    break;
                }
            }
            Thread.sleep(20);
        }
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no final checkpoint
        p.waitFor(30, TimeUnit.SECONDS);
        assertTrue(stepAtKill >= 6 && stepAtKill < 40, "killed mid-run (checkpoint at step " + stepAtKill + "):\n"
                + Files.readString(tmp.resolve("killed.log")));
        assertTrue(!Files.exists(killed.resolve("result.json")), "the killed run never finished");

        CliTest.Run resumed = adept(concat(tune, "--out", killed.toString(), "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        JsonNode a = json(straight.resolve("result.json")).get("result");
        JsonNode b = json(killed.resolve("result.json")).get("result");
        for (String f : List.of("trainCurve", "generalCurve", "domainCurve", "refreshes", "stepsDone", "finalMultipliers")) {
            assertEquals(a.get(f), b.get(f), f + " of the resumed run");
        }
        Map<String, INDArray> wa = TensorArchive.read(straight.resolve("model").resolve("weights.zip"));
        Map<String, INDArray> wb = TensorArchive.read(killed.resolve("model").resolve("weights.zip"));
        assertEquals(wa.keySet(), wb.keySet());
        wa.forEach((k, v) -> org.junit.jupiter.api.Assertions.assertArrayEquals(v.dup('c').data().asFloat(),
                wb.get(k).dup('c').data().asFloat(), 0f, k + ": bit for bit"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
