package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static io.adept4j.tests.CliTest.adept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Task accuracy beside perplexity: {@code adept run} scores the bundled task files on the base and after every method,
 * keeping the items' source documents out of the run; {@code adept eval --tasks} scores a saved model; a bad task file
 * is refused before any work.
 */
class TaskAccuracyCliTest {

    @TempDir
    Path tmp;

    @Test
    void aRunScoresTasksOnTheBaseAndAfterEachMethodWithTheirSourcesKeptOut() throws Exception {
        Path cfg = tmp.resolve("tasks.json");
        Files.writeString(cfg, "{\"preset\": \"tiny\", \"tokenizer\": \"bpe:1024\", \"pretrainSteps\": 4, \"baseCache\": \""
                + tmp.resolve("cache") + "\", \"probeBatches\": 2, \"steps\": 2, \"evalBatches\": 1, "
                + "\"tokenEvalBatches\": 1, \"domain\": \"math\", \"seeds\": [42], \"methods\": [\"adept\", \"lora\"], "
                + "\"generalTasks\": \"bundled\", \"domainTasks\": \"bundled\"}");
        CliTest.Run r = adept("run", "--config", cfg.toString(), "--out", tmp.resolve("run").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("their source documents kept out: 10 general, 25 domain"), r.out());
        assertTrue(r.out().contains("task accuracy"), r.out());
        JsonNode run = new ObjectMapper().readTree(Files.readString(tmp.resolve("run").resolve("result.json"))).get("run");
        Set<String> rows = new HashSet<>();
        for (JsonNode t : run.get("tasks")) {
            rows.add(t.get("method").asText() + "/" + t.get("task").asText());
            double acc = t.get("score").get("accuracy").asDouble();
            assertTrue(acc >= 0 && acc <= 1, t.toString());
            assertEquals(100, t.get("score").get("items").asInt());
        }
        assertEquals(Set.of("base/general", "base/domain", "adept/general", "adept/domain", "lora/general",
                "lora/domain"), rows);
        assertTrue(Files.readString(tmp.resolve("run").resolve("report.html")).contains("<h2>Task accuracy</h2>"));

        Path model = tmp.resolve("cache").toFile().listFiles()[0].toPath().resolve("model");
        CliTest.Run e = adept("eval", "--model", model.toString(), "--tasks",
                "math=" + CliTest.corpora().resolve("tasks").resolve("math.jsonl"));
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("[eval] math       accuracy"), e.out());
    }

    @Test
    void aBadTaskFileIsRefusedBeforeAnyWork() throws Exception {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"answer\": 5}\n");
        Path cfg = tmp.resolve("bad.json");
        Files.writeString(cfg, "{\"domainTasks\": \"" + bad + "\"}");
        Path out = tmp.resolve("never");
        CliTest.Run r = adept("run", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(bad + " line 1") && r.err().contains("answer in [0, 1]"), r.err());
        assertFalse(Files.exists(out), "nothing written");
        Files.writeString(cfg, "{\"domain\": \"" + bad + "\", \"domainTasks\": \"bundled\"}");
        r = adept("run", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("'domainTasks: bundled' needs a bundled domain"), r.err());
    }
}
