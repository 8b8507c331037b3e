package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.adept4j.tests.CliTest.adept;
import static io.adept4j.tests.CliTest.corpora;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code adept probe} and {@code adept expand} on tiny pretrained models, including every refused input. */
class StageOneCliTest {

    @TempDir
    static Path shared;
    static Path base;
    static Path other;
    static Path probe;

    static Path pretrain(String name, String seed) {
        Path out = shared.resolve(name);
        CliTest.Run r = adept("pretrain", "--preset", "tiny", "--steps", "3", "--tokenizer", "bpe:1024", "--seed", seed,
                "--corpus", corpora().resolve("math.jsonl.gz").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        return out.resolve("model");
    }

    @BeforeAll
    static void models() {
        base = pretrain("base", "1");
        other = pretrain("other", "2");
        Path out = shared.resolve("probe");
        CliTest.Run r = adept("probe", "--model", base.toString(), "--max-batches", "2", "--k", "1",
                "--general", corpora().resolve("general.jsonl.gz").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        probe = out.resolve("probe.json");
    }

    @Test
    void probeWritesJsonAndChart() throws Exception {
        JsonNode p = new ObjectMapper().readTree(Files.readString(probe));
        assertEquals(2, p.get("layers").size());
        assertTrue(p.get("baseLoss").asDouble() > 0);
        assertTrue(p.get("layers").get(0).has("stdErr"));
        assertTrue(Files.size(probe.resolveSibling("probe.png")) > 1000);
    }

    @Test
    void expandFromProbeWritesModelAndManifest() throws Exception {
        Path out = shared.resolve("expanded");
        CliTest.Run r = adept("expand", "--model", base.toString(), "--probe", probe.toString(), "--k", "1",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode m = new ObjectMapper().readTree(Files.readString(out.resolve("model").resolve("manifest.json")));
        assertEquals(3, m.get("expandedLayers").asInt());
        assertEquals(1, m.get("k").asInt());
        assertEquals("probe", m.get("strategy").asText());
        assertTrue(m.get("maxAbsLogitDiff").asDouble() <= 1e-5, m.toString());
        assertEquals(2, m.get("zeroedTensors").size());
        JsonNode cfg = new ObjectMapper().readTree(Files.readString(out.resolve("model").resolve("config.json")));
        assertEquals(3, cfg.get("numLayers").asInt());

        CliTest.Run uniform = adept("expand", "--model", base.toString(), "--uniform", "2", "--out",
                shared.resolve("uniform").toString());
        assertEquals(0, uniform.code(), uniform.err());
        CliTest.Run layers = adept("expand", "--model", base.toString(), "--layers", "0", "--out",
                shared.resolve("layers").toString());
        assertEquals(0, layers.code(), layers.err());
    }

    @Test
    void badInputIsRefusedAndNothingIsWritten() {
        String[][] cases = {
                {"--probe", probe.toString(), "--k", "0"},
                {"--probe", probe.toString(), "--k", "3"},
                {"--layers", "1,1"},
                {"--layers", "2"},
                {"--uniform", "3"},
        };
        int i = 0;
        for (String[] c : cases) {
            Path out = shared.resolve("bad" + i++);
            String[] args = new String[c.length + 4];
            args[0] = "expand";
            args[1] = "--model";
            args[2] = base.toString();
            System.arraycopy(c, 0, args, 3, c.length);
            args[args.length - 1] = "--out=" + out;
            CliTest.Run r = adept(args);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
            assertFalse(Files.exists(out), "nothing written for " + String.join(" ", c));
        }
        Path out = shared.resolve("wrong-model");
        CliTest.Run r = adept("expand", "--model", other.toString(), "--probe", probe.toString(), "--k", "1",
                "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("another model"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void probeCorpusWithoutUsableTokensIsRefused() throws Exception {
        Path empty = shared.resolve("prompts-only.jsonl");
        Files.writeString(empty, "{\"instruction\":\"say nothing\",\"output\":\"   \"}\n");
        CliTest.Run r = adept("probe", "--model", base.toString(), "--general", empty.toString(), "--out",
                shared.resolve("p2").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no text"), r.err());
    }
}
