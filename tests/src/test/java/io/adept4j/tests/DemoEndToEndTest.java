package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.adept4j.tests.CliTest.adept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job end to end at the tiny preset: pretrain → evaluate → probe → expand, then again from the cached base. */
class DemoEndToEndTest {

    @TempDir
    Path tmp;

    @Test
    void tinyDemoRunsEveryStageThisBuildHasAndReusesTheBase() throws Exception {
        String cache = tmp.resolve("cache").toString();
        CliTest.Run r = adept("demo", "--preset", "tiny", "--steps", "4", "--tokenizer", "bpe:1024",
                "--base-cache", cache, "--out", tmp.resolve("run1").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode res = new ObjectMapper().readTree(Files.readString(tmp.resolve("run1").resolve("result.json")));
        assertTrue(res.get("basePretrain").has("trainCurve"), "pretrained on the first run");
        assertTrue(res.get("baseValidation").get("general").get("perplexity").asDouble() > 1);
        assertTrue(res.get("baseValidation").get("math").get("perplexity").asDouble() > 1);
        assertEquals(2, res.get("probe").get("layers").size());
        assertTrue(res.get("expansion").get("maxAbsLogitDiff").asDouble() <= 1e-5);
        assertTrue(Files.size(tmp.resolve("run1").resolve("probe.png")) > 1000);
        JsonNode adeptRun = res.get("adept");
        assertTrue(adeptRun.get("domainAfter").get("perplexity").asDouble() > 1);
        assertTrue(adeptRun.get("generalCurve").size() >= 2 && adeptRun.get("domainCurve").size() >= 2);
        assertTrue(r.out().contains("not in this build yet"), "says what is missing");

        CliTest.Run again = adept("demo", "--preset", "tiny", "--steps", "4", "--tokenizer", "bpe:1024",
                "--base-cache", cache, "--out", tmp.resolve("run2").toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("cached"), again.out());
        JsonNode res2 = new ObjectMapper().readTree(Files.readString(tmp.resolve("run2").resolve("result.json")));
        assertEquals(res.get("baseValidation"), res2.get("baseValidation"), "the cached base is the same model");
    }
}
