package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.adept4j.tests.CliTest.adept;
import static io.adept4j.tests.CliTest.corpora;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code adept pretrain}, {@code adept eval} and {@code adept bench model} run for real on tiny budgets. */
class PretrainCliTest {

    @TempDir
    Path tmp;

    @Test
    void pretrainThenEvaluate() throws Exception {
        Path out = tmp.resolve("base");
        CliTest.Run r = adept("pretrain", "--preset", "tiny", "--steps", "6", "--tokenizer", "bpe:2048",
                "--corpus", corpora().resolve("general.jsonl.gz").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[pretrain] step 6/6"), r.out());
        assertTrue(r.out().contains("tok/s") && r.out().contains("ETA"), "progress shows throughput and ETA");
        JsonNode result = new ObjectMapper().readTree(Files.readString(out.resolve("result.json")));
        JsonNode res = result.get("result");
        assertEquals(6, res.get("trainCurve").size());
        assertTrue(res.get("finalValidation").get("perplexity").asDouble() > 1);
        assertTrue(res.get("unigramPerplexity").asDouble() > 1);
        assertTrue(Files.exists(out.resolve("model").resolve("weights.zip")));

        // a 40-document slice of the math corpus keeps the evaluation quick
        Path math = tmp.resolve("math-slice.jsonl");
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
                Files.newInputStream(corpora().resolve("math.jsonl.gz")))) {
            String all = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            Files.writeString(math, String.join("\n", all.lines().limit(40).toList()));
        }
        CliTest.Run ev = adept("eval", "--model", out.resolve("model").toString(),
                "--corpus", "math=" + math, "--out", tmp.resolve("eval").toString());
        assertEquals(0, ev.code(), ev.err());
        JsonNode e = new ObjectMapper().readTree(Files.readString(tmp.resolve("eval").resolve("result.json")));
        JsonNode mathRow = e.get("corpora").get("math");
        assertTrue(mathRow.get("tokens").asLong() > 10_000, mathRow.toString());
        assertEquals(Math.exp(mathRow.get("meanTokenLoss").asDouble()), mathRow.get("perplexity").asDouble(), 1e-6);
    }

    @Test
    void pretrainRefusesBadInputBeforeTraining() {
        CliTest.Run noOut = adept("pretrain", "--preset", "tiny", "--steps", "2");
        assertEquals(2, noOut.code());
        assertTrue(noOut.err().contains("--out"), noOut.err());
        CliTest.Run badPreset = adept("pretrain", "--preset", "huge", "--out", tmp.toString());
        assertEquals(2, badPreset.code());
        assertTrue(badPreset.err().contains("tiny, small or default"), badPreset.err());
        CliTest.Run resume = adept("pretrain", "--preset", "tiny", "--resume", "--out", tmp.resolve("empty").toString(),
                "--corpus", corpora().resolve("math.jsonl.gz").toString());
        assertEquals(2, resume.code());
        assertTrue(resume.err().contains("no checkpoint"), resume.err());
        CliTest.Run badModel = adept("eval", "--model", tmp.resolve("nope").toString(), "--corpus", "x=" + tmp);
        assertTrue(badModel.code() != 0);
        assertTrue(badModel.err().contains("config.json"), badModel.err());
    }

    @Test
    void benchModelWritesMfuAndMemory() throws Exception {
        Path out = tmp.resolve("bench");
        CliTest.Run r = adept("bench", "model", "--sizes", "32x1", "--seq-len", "16", "--batch", "2", "--steps", "1",
                "--tokenizer", "byte", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode size = new ObjectMapper().readTree(Files.readString(out.resolve("bench.json"))).get("sizes").get(0);
        for (String f : new String[]{"trainTokensPerSecond", "forwardTokensPerSecond", "sgemmPeakGflopPerSecond", "trainMfu"}) {
            assertTrue(size.get(f).asDouble() > 0, f + " in " + size);
        }
    }
}
