package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adept4j.cli.AdeptCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the real {@code adept} command line in-process and checks its output, files and exit codes. */
class CliTest {

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run adept(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = AdeptCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    static Path corpora() {
        return Path.of(System.getProperty("adept4j.corpora"));
    }

    @Test
    void helpListsSubcommandsAndVersionPrints() {
        Run r = adept("--help");
        assertEquals(0, r.code);
        for (String sub : new String[]{"corpus", "bench", "demo"}) {
            assertTrue(r.out.contains(sub), "help lacks " + sub + ":\n" + r.out);
        }
        assertTrue(adept("corpus", "stats", "--help").out.contains("--tokenizer"));
        Run v = adept("--version");
        assertEquals(0, v.code);
        assertTrue(v.out.startsWith("adept4j"), v.out);
    }

    @Test
    void corpusStatsPrintsJsonForEveryBundledCorpus() throws Exception {
        Path out = tmp.resolve("stats");
        Run r = adept("corpus", "stats", "--tokenizer", "bpe:8192", "--out", out.toString(),
                corpora().resolve("general.jsonl.gz").toString(), corpora().resolve("math.jsonl.gz").toString(),
                corpora().resolve("code.jsonl.gz").toString());
        assertEquals(0, r.code, r.err);
        JsonNode json = new ObjectMapper().readTree(r.out);
        assertEquals("bpe:8192", json.get("tokenizer").asText());
        assertEquals(3, json.get("corpora").size());
        for (JsonNode c : json.get("corpora")) {
            assertTrue(c.get("tokens").asLong() > 100_000, c.toString());
            assertTrue(c.get("documents").asInt() > 100, c.toString());
            assertTrue(c.get("windows").asInt() > 0, c.toString());
            assertEquals(0, c.get("replacedInvalidBytes").asLong());
        }
        assertEquals(json, new ObjectMapper().readTree(Files.readString(out.resolve("result.json"))));
    }

    @Test
    void badInputExitsWithTwoAndOneClearLine() throws Exception {
        Run missing = adept("corpus", "stats", tmp.resolve("nope.txt").toString());
        assertEquals(2, missing.code);
        assertTrue(missing.err.contains("does not exist") && missing.err.contains("nope.txt"), missing.err);
        assertEquals(1, missing.err.strip().lines().count(), "one line, no stack trace:\n" + missing.err);

        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\":\"fine\"}\nnot json\n");
        Run badJson = adept("corpus", "stats", bad.toString());
        assertEquals(2, badJson.code);
        assertTrue(badJson.err.contains("bad.jsonl:2"), badJson.err);

        Run verbose = adept("corpus", "stats", "--verbose", bad.toString());
        assertTrue(verbose.err.lines().count() > 1, "--verbose shows the stack trace");

        Run unknown = adept("corpus", "stats", "--no-such-flag", bad.toString());
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.contains("--no-such-flag"), unknown.err);

        Run badTok = adept("corpus", "stats", "--tokenizer", "bpe:10", bad.toString());
        assertEquals(2, badTok.code);
        assertTrue(badTok.err.contains("257"), badTok.err);
        assertFalse(Files.exists(tmp.resolve("result.json")));
    }
}
