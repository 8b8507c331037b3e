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
        assertEquals(0.0, m.get("maxAbsLogitDiff").asDouble(), 0.0, "function preserved exactly: " + m);
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
    void tuneTrainsTheCopiesOfAnExpandedModel() throws Exception {
        Path expanded = shared.resolve("to-tune");
        assertEquals(0, adept("expand", "--model", base.toString(), "--layers", "1", "--out", expanded.toString()).code());
        Path out = shared.resolve("tuned");
        CliTest.Run r = adept("tune", "--model", expanded.resolve("model").toString(), "--steps", "4", "--batch", "4",
                "--refresh", "2", "--domain", slice("math.jsonl.gz", 40).toString(),
                "--general", slice("general.jsonl.gz", 12).toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode res = new ObjectMapper().readTree(Files.readString(out.resolve("result.json"))).get("result");
        assertEquals(1, res.get("refreshes").size(), "refresh at step 2");
        assertTrue(res.get("generalCurve").size() >= 2 && res.get("domainCurve").size() >= 2);
        assertTrue(res.get("trainableParameters").asLong() < res.get("parameters").asLong());
        assertTrue(Files.exists(out.resolve("model").resolve("manifest.json")));
        assertTrue(Files.size(out.resolve("curves.png")) > 1000, "curves plotted");
        assertTrue(Files.size(out.resolve("lr-multipliers.png")) > 1000, "multipliers plotted");
        CliTest.Run notExpanded = adept("tune", "--model", base.toString(), "--steps", "2", "--out",
                shared.resolve("t2").toString());
        assertEquals(2, notExpanded.code());
        assertTrue(notExpanded.err().contains("manifest.json"), notExpanded.err());
    }

    @Test
    void probeAndImportanceRefreshesShardOnSpark() throws Exception {
        Path out = shared.resolve("probe-spark");
        CliTest.Run r = adept("probe", "--model", base.toString(), "--max-batches", "2", "--k", "1",
                "--general", corpora().resolve("general.jsonl.gz").toString(), "--spark", "local[2]", "--out",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 batches on 2 Spark shards"), r.out());
        JsonNode here = new ObjectMapper().readTree(Files.readString(probe));
        JsonNode spark = new ObjectMapper().readTree(Files.readString(out.resolve("probe.json")));
        assertEquals(here.get("batches").asInt(), spark.get("batches").asInt());
        for (int l = 0; l < 2; l++) {
            double a = here.get("layers").get(l).get("deltaLoss").asDouble();
            double b = spark.get("layers").get(l).get("deltaLoss").asDouble();
            assertEquals(a, b, 1e-5 * Math.abs(a), "block " + l + ": sharded probe equals the single-machine one");
        }

        Path expanded = shared.resolve("to-tune-spark");
        assertEquals(0, adept("expand", "--model", base.toString(), "--layers", "1", "--out", expanded.toString()).code());
        String[] tune = {"tune", "--model", expanded.resolve("model").toString(), "--steps", "4", "--batch", "4",
                "--refresh", "2", "--domain", slice("math.jsonl.gz", 40).toString(),
                "--general", slice("general.jsonl.gz", 12).toString()};
        CliTest.Run local = adept(concat(tune, "--out", shared.resolve("tuned-local").toString()));
        assertEquals(0, local.code(), local.err());
        CliTest.Run sharded = adept(concat(tune, "--spark", "local[2]", "--shards", "2", "--out",
                shared.resolve("tuned-spark").toString()));
        assertEquals(0, sharded.code(), sharded.err());
        assertTrue(sharded.out().contains("from 2 Spark shards"), sharded.out());
        JsonNode a = new ObjectMapper().readTree(Files.readString(shared.resolve("tuned-local/result.json"))).get("result");
        JsonNode b = new ObjectMapper().readTree(Files.readString(shared.resolve("tuned-spark/result.json"))).get("result");
        assertEquals(1, b.get("refreshes").size(), "the refresh at step 2 ran on Spark");
        for (String key : new String[] {"generalAfter", "domainAfter"}) {
            double x = a.get(key).get("meanLoss").asDouble();
            double y = b.get(key).get("meanLoss").asDouble();
            assertEquals(x, y, 1e-4, key + ": importance sharded on Spark tunes like importance computed here");
        }

        for (String[] bad : new String[][] {{"--spark", "localhost"}, {"--shards", "2"}, {"--spark", "local[2]",
                "--shards", "-1"}}) {
            Path o = shared.resolve("bad-spark-" + String.join("", bad).replaceAll("[^a-z0-9]", ""));
            CliTest.Run refused = adept(concat(new String[] {"probe", "--model", base.toString(), "--out", o.toString()},
                    bad));
            assertEquals(2, refused.code(), String.join(" ", bad) + ": " + refused.err());
            assertTrue(refused.err().contains(bad[bad.length - 2]), refused.err());
            assertFalse(Files.exists(o), "nothing written for " + String.join(" ", bad));
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The first {@code n} documents of a bundled corpus, to keep evaluations short. */
    static Path slice(String corpus, int n) throws Exception {
        Path p = shared.resolve(corpus.replace(".jsonl.gz", "") + "-" + n + ".jsonl");
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
                Files.newInputStream(corpora().resolve(corpus)))) {
            String all = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            Files.writeString(p, String.join("\n", all.lines().limit(n).toList()));
        }
        return p;
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
