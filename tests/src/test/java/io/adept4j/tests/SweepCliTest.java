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

/** A tiny Arbiter sweep (K ∈ {1,2} × ratio ∈ {2,8}) through the CLI: stops by itself, resumes, honours budgets. */
class SweepCliTest {

    @TempDir
    Path tmp;

    private Path config(String name, String search, int candidates, String space) throws Exception {
        return config(name, search, candidates, space, 0);
    }

    private Path config(String name, String search, int candidates, String space, double maxMinutes) throws Exception {
        return config(name, search, candidates, space, maxMinutes, 3);
    }

    private Path config(String name, String search, int candidates, String space, double maxMinutes, int steps)
            throws Exception {
        String run = "{\"preset\": \"tiny\", \"tokenizer\": \"bpe:1024\", \"pretrainSteps\": 4, \"baseCache\": \""
                + tmp.resolve("cache") + "\", \"probeBatches\": 2, \"steps\": " + steps + ", \"evalBatches\": 1, \"finalEvalBatches\": 2, "
                + "\"tokenEvalBatches\": 1, \"refreshEvery\": 2, \"domain\": \"math\"}";
        Path f = tmp.resolve(name + ".json");
        Files.writeString(f, "{\"run\": " + run + ", \"search\": \"" + search + "\", \"candidates\": " + candidates
                + ", \"maxMinutes\": " + maxMinutes + ", \"objective\": \"weighted\", \"space\": " + space + "}");
        return f;
    }

    @Test
    void aGridSweepStopsWhenExhaustedAndAKilledSweepFinishesOnlyWhatIsLeft() throws Exception {
        String space = "{\"k\": {\"int\": [1, 2]}, \"lrRatio\": {\"values\": [2, 8]}}";
        Path out = tmp.resolve("sweep");
        // "killed" after two candidates: a budget of 2 stands in for the interruption
        CliTest.Run first = adept("sweep", "--config", config("half", "grid", 2, space).toString(), "--out", out.toString());
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("2 candidates (2 run now, 0 reused)"), first.out());
        // the same grid with a budget larger than the grid: it must stop by itself after the 4 grid points
        CliTest.Run rest = adept("sweep", "--config", config("all", "grid", 50, space).toString(), "--out", out.toString());
        assertEquals(0, rest.code(), rest.err());
        assertTrue(rest.out().contains("4 candidates (2 run now, 2 reused)"), rest.out());
        JsonNode sweep = new ObjectMapper().readTree(Files.readString(out.resolve("sweep.json")));
        assertEquals(4, sweep.get("candidates").size());
        Set<String> keys = new HashSet<>();
        for (JsonNode c : sweep.get("candidates")) {
            keys.add(c.get("key").asText());
            assertTrue(c.get("domainLossAfter").asDouble() > 0);
            assertTrue(Files.isRegularFile(Path.of(c.get("resultFile").asText())), "every candidate keeps its result.json");
        }
        assertEquals(Set.of("k=1,lrRatio=2.00000", "k=1,lrRatio=8.00000", "k=2,lrRatio=2.00000", "k=2,lrRatio=8.00000"), keys);
        assertFalse(sweep.get("paretoFront").isEmpty());
        assertTrue(Files.size(out.resolve("sweep.png")) > 1000);
        assertTrue(Files.readString(out.resolve("sweep.html")).contains("data:image/png;base64,"));
    }

    /** {@code --spark local[2]}: the candidates run as tasks of a real embedded Spark, two at a time. */
    @Test
    void aSweepRunsItsCandidatesOnSpark() throws Exception {
        String space = "{\"lrRatio\": {\"values\": [2, 8]}}";
        Path out = tmp.resolve("spark");
        CliTest.Run r = adept("sweep", "--config", config("spark", "grid", 2, space).toString(), "--spark", "local[2]",
                "--spark-conf", "spark.scheduler.mode=FAIR", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Spark master local[2], 2 task slots") && r.out().contains("2 at a time"), r.out());
        JsonNode sweep = new ObjectMapper().readTree(Files.readString(out.resolve("sweep.json")));
        assertEquals(2, sweep.get("candidates").size());
        assertEquals("local[2]", sweep.path("settings").path("spark").path("master").asText(), sweep.toString());
        assertEquals("FAIR", sweep.path("settings").path("spark").path("conf").path("spark.scheduler.mode").asText(),
                sweep.toString());
        for (JsonNode c : sweep.get("candidates")) {
            assertTrue(c.get("error").isNull(), c.toString());
            assertTrue(Files.isRegularFile(Path.of(c.get("resultFile").asText())));
        }
        CliTest.Run blank = adept("sweep", "--config", config("spark", "grid", 2, space).toString(), "--spark", " ",
                "--out", tmp.resolve("blank").toString());
        assertEquals(2, blank.code(), blank.out());
        assertTrue(blank.err().contains("--spark needs a master"), blank.err());
        // a master Spark could not parse is refused by the settings, before corpora are read or Spark starts
        CliTest.Run bad = adept("sweep", "--config", config("spark", "grid", 2, space).toString(), "--spark", "foo",
                "--out", tmp.resolve("bad").toString());
        assertEquals(2, bad.code(), bad.out());
        assertTrue(bad.err().contains("'spark.master' (or --spark) must be local") && bad.err().contains("'foo'"),
                bad.err());
        assertFalse(Files.exists(tmp.resolve("bad")));
    }

    @Test
    void aRandomSweepHonoursItsCandidateBudgetAndBadSpacesAreRefused() throws Exception {
        String space = "{\"learningRate\": {\"logUniform\": [0.001, 0.01]}, \"k\": {\"int\": [1, 2]}}";
        Path out = tmp.resolve("random");
        CliTest.Run r = adept("sweep", "--config", config("random", "random", 2, space).toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode sweep = new ObjectMapper().readTree(Files.readString(out.resolve("sweep.json")));
        assertEquals(2, sweep.get("candidates").size());
        for (JsonNode c : sweep.get("candidates")) {
            double lr = c.get("params").get("learningRate").asDouble();
            assertTrue(lr >= 0.001 && lr <= 0.01, "log-uniform range honoured: " + lr);
        }
        // a time budget far below one candidate's run time (40 steps): the candidate in flight finishes, no other starts
        Path timed = tmp.resolve("timed");
        CliTest.Run t = adept("sweep", "--config", config("timed", "random", 50, space, 0.02, 40).toString(), "--out",
                timed.toString());
        assertEquals(0, t.code(), t.err());
        int ran = new ObjectMapper().readTree(Files.readString(timed.resolve("sweep.json"))).get("candidates").size();
        assertEquals(1, ran, "a 1.2 s budget stops a 50-candidate sweep after the candidate in flight");
        CliTest.Run bad = adept("sweep", "--config", config("bad", "grid", 2, "{\"kk\": {\"int\": [1, 2]}}").toString(),
                "--out", tmp.resolve("never").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown knob 'kk'"), bad.err());
        assertFalse(Files.exists(tmp.resolve("never")));
    }

    /** A sweep tunes any registered method: here LoRA's rank. An unknown method is refused before any work. */
    @Test
    void aSweepTunesAnotherMethodsKnobs() throws Exception {
        Path cfg = config("lora", "grid", 2, "{\"loraRank\": {\"int\": [2, 4]}}");
        Files.writeString(cfg, Files.readString(cfg).replaceFirst("^\\{", "{\"method\": \"lora\", "));
        Path out = tmp.resolve("lora");
        CliTest.Run r = adept("sweep", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode sweep = new ObjectMapper().readTree(Files.readString(out.resolve("sweep.json")));
        assertEquals(2, sweep.get("candidates").size());
        Set<Long> ranks = new java.util.HashSet<>();
        for (JsonNode c : sweep.get("candidates")) {
            ranks.add(c.get("params").get("loraRank").asLong());
            Path file = Path.of(c.get("resultFile").asText());
            JsonNode saved = new ObjectMapper().readTree(Files.readString(file));
            assertEquals("lora", saved.get("method").get("method").asText());
            assertEquals(c.get("params").get("loraRank").asLong(),
                    saved.get("run").get("config").get("loraRank").asLong(), "the candidate trained its own rank");
        }
        assertEquals(2, ranks.size(), "two ranks of the grid: " + ranks);
        assertTrue(ranks.stream().allMatch(x -> x >= 2 && x <= 4), ranks.toString());
        Files.writeString(cfg, Files.readString(cfg).replace("\"lora\"", "\"prefix-tuning\""));
        CliTest.Run bad = adept("sweep", "--config", cfg.toString(), "--out", tmp.resolve("never").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("'method' must be one of"), bad.err());
        assertFalse(Files.exists(tmp.resolve("never")));
    }

    /** A sweep in which no candidate succeeds fails, naming the first error, and writes no report as if it had worked. */
    @Test
    void aSweepWithNoSuccessfulCandidateFails() throws Exception {
        Path tiny = tmp.resolve("tiny.txt");
        Files.writeString(tiny, "far too little general text to pretrain a base on");
        Path out = tmp.resolve("failed");
        CliTest.Run r = adept("sweep", "--config", config("fail", "grid", 2, "{\"k\": {\"int\": [1, 2]}}").toString(),
                "--general", tiny.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no sweep candidate succeeded") && r.err().contains("tiny.txt"), r.err());
        assertFalse(Files.exists(out.resolve("sweep.html")), "no report for a sweep that produced nothing");
    }
}
