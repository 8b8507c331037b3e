package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.adept4j.tests.CliTest.adept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The main job end to end on a tiny config: pretrain → probe → every method (ADEPT, ablations, baselines) → evaluation,
 * result.json, report.html; then again from the cached base; and bad configs refused before any work.
 */
class DemoEndToEndTest {

    static final List<String> METHODS = List.of("adept", "adept-replay", "full", "full-replay", "llama-pro",
            "adept-no-stage1", "adept-no-stage2");

    @TempDir
    Path tmp;

    private Path config(String json) throws Exception {
        Path f = tmp.resolve("cfg-" + Math.abs(json.hashCode()) + ".json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void tinyRunComparesEveryMethodWritesTheReportAndReusesTheBase() throws Exception {
        String cfg = "{\"preset\": \"tiny\", \"tokenizer\": \"bpe:1024\", \"pretrainSteps\": 4, \"baseCache\": \""
                + tmp.resolve("cache") + "\", \"probeBatches\": 2, \"steps\": 4, \"evalBatches\": 1, "
                + "\"tokenEvalBatches\": 1, \"refreshEvery\": 2, \"domain\": \"math\", \"seeds\": [42, 43], "
                + "\"ablationSeeds\": 1}";
        Path c = config(cfg);
        CliTest.Run r = adept("run", "--config", c.toString(), "--out", tmp.resolve("run1").toString());
        assertEquals(0, r.code(), r.err());
        Path run1 = tmp.resolve("run1");
        JsonNode res = new ObjectMapper().readTree(Files.readString(run1.resolve("result.json")));
        JsonNode run = res.get("run");
        assertEquals("pretrained", run.get("base").get("source").asText());
        assertEquals(2, run.get("probe").get("layers").size());
        Set<String> seen = new HashSet<>();
        for (JsonNode m : run.get("methods")) {
            seen.add(m.get("method").asText());
            for (String f : List.of("generalLossBefore", "generalLossAfter", "generalPerplexityChange", "domainLossAfter",
                    "domainPerplexityChange", "trainableParameters", "trainableShare", "wallSeconds", "tokensPerSecond",
                    "generalTop1After", "generalTop1Shift")) {
                assertTrue(m.get(f).isNumber(), m.get("method") + " has " + f);
            }
            assertEquals(4, m.get("training").get("stepsDone").asInt());
            assertTrue(m.get("domainPerplexityAfter").asDouble() > 1);
        }
        assertEquals(new HashSet<>(METHODS), seen);
        // two replicates of the five main methods, one of the two ablations; the summary is their mean ± sd
        assertEquals(12, run.get("methods").size());
        assertEquals(METHODS.size(), run.get("summary").size());
        for (JsonNode sm : run.get("summary")) {
            boolean ablation = sm.get("method").asText().startsWith("adept-no-");
            assertEquals(ablation ? "[42]" : "[42,43]", sm.get("seeds").toString(), sm.get("method").asText());
            double sum = 0;
            int n = 0;
            for (JsonNode m : run.get("methods")) {
                if (m.get("method").asText().equals(sm.get("method").asText())) {
                    sum += m.get("generalLossAfter").asDouble() - m.get("generalLossBefore").asDouble();
                    n++;
                }
            }
            assertEquals(sum / n, sm.get("generalLossChange").get("mean").asDouble(), 1e-12);
            assertEquals(n, sm.get("generalLossChange").get("values").size());
        }
        assertTrue(run.get("methods").get(0).get("generalLossBefore").asDouble()
                != run.get("methods").get(7).get("generalLossBefore").asDouble(), "seed 43 has its own split");
        JsonNode byName = null;
        JsonNode noStage2 = null;
        for (JsonNode m : run.get("methods")) {
            if (m.get("method").asText().equals("full")) {
                assertEquals(1.0, m.get("trainableShare").asDouble(), 1e-12, "full CPT trains everything");
            }
            if (m.get("method").asText().equals("adept")) {
                byName = m;
            }
            if (m.get("method").asText().equals("adept-no-stage2")) {
                noStage2 = m;
            }
        }
        // the ablation without Stage 2 trains the same copies with one learning rate: no refresh, other weights
        assertEquals(byName.get("copiedBlocks"), noStage2.get("copiedBlocks"));
        assertTrue(noStage2.get("training").get("refreshes").isEmpty(), "no importance without Stage 2");
        assertEquals(0.0, noStage2.get("training").get("refreshSeconds").asDouble(), 0.0);
        assertTrue(byName.get("training").get("refreshSeconds").asDouble() > 0, "Stage 2's own cost is reported");
        assertTrue(byName.get("training").get("updateSeconds").asDouble() > 0
                && byName.get("training").get("updateSeconds").asDouble() < byName.get("trainSeconds").asDouble());
        assertTrue(byName.get("domainLossAfter").asDouble() != noStage2.get("domainLossAfter").asDouble()
                        || byName.get("generalLossAfter").asDouble() != noStage2.get("generalLossAfter").asDouble(),
                "decoupled learning rates change the outcome");
        assertTrue(byName.get("trainableShare").asDouble() < 0.5);
        assertEquals(1, byName.get("copiedBlocks").size());
        assertFalse(byName.get("training").get("refreshes").isEmpty(), "ADEPT refreshed importance");
        assertFalse(byName.get("training").get("finalMultipliers").isEmpty());
        assertTrue(res.get("goals").isArray() && res.get("goals").size() >= 4);
        String html = Files.readString(run1.resolve("report.html"));
        int images = html.split("data:image/png;base64,", -1).length - 1;
        assertEquals(5, images, "probe, two curve charts, scatter, multiplier heat map embedded");
        for (String m : METHODS) {
            assertTrue(html.contains(">" + m + "<"), m + " in the report table");
        }
        assertTrue(r.out().contains("[goal]"), "the comparison and goals are printed");

        CliTest.Run again = adept("run", "--config", c.toString(), "--methods", "adept", "--out",
                tmp.resolve("run2").toString());
        assertEquals(0, again.code(), again.err());
        JsonNode res2 = new ObjectMapper().readTree(Files.readString(tmp.resolve("run2").resolve("result.json")));
        assertEquals("cached", res2.get("run").get("base").get("source").asText());
        assertEquals(run.get("methods").get(0).get("generalLossBefore"),
                res2.get("run").get("methods").get(0).get("generalLossBefore"), "the cached base is the same model");
    }

    /**
     * The per-method learning-rate rule: every method tries every rate of the grid on the training side and trains the
     * comparison with the rate whose held-out domain loss was lowest.
     */
    @Test
    void eachMethodTrainsWithTheRateItsSearchChose() throws Exception {
        String cfg = "{\"preset\": \"tiny\", \"tokenizer\": \"bpe:1024\", \"pretrainSteps\": 4, \"baseCache\": \""
                + tmp.resolve("cache") + "\", \"probeBatches\": 2, \"steps\": 3, \"evalBatches\": 1, "
                + "\"tokenEvalBatches\": 1, \"finalEvalBatches\": 2, \"methods\": [\"adept\", \"full\"], "
                + "\"learningRates\": [0.0001, 0.03], \"lrSearchSteps\": 3}";
        CliTest.Run r = adept("run", "--config", config(cfg).toString(), "--out", tmp.resolve("lr").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode run = new ObjectMapper().readTree(Files.readString(tmp.resolve("lr").resolve("result.json"))).get("run");
        assertEquals(2, run.get("lrSearch").size());
        for (JsonNode s : run.get("lrSearch")) {
            JsonNode d = s.get("domainLoss");
            double best = Math.min(d.get(0).asDouble(), d.get(1).asDouble());
            double chosen = s.get("chosen").asDouble();
            assertEquals(d.get(0).asDouble() == best ? 0.0001 : 0.03, chosen, 0.0, s.toString());
            assertTrue(d.get(0).asDouble() != d.get(1).asDouble(), "the two rates train differently");
            for (JsonNode m : run.get("methods")) {
                if (m.get("method").asText().equals(s.get("method").asText())) {
                    assertEquals(chosen, m.get("training").get("settings").get("learningRate").asDouble(), 0.0);
                }
            }
        }
        assertTrue(r.out().contains("Learning-rate rule: each method takes the rate"), r.out());
    }

    @Test
    void badConfigsAreRefusedBeforeAnyWorkNamingTheKey() throws Exception {
        String[][] cases = {
                {"{\"stpes\": 10}", "unknown config key 'stpes'"},
                {"{\"steps\": \"ten\"}", "'steps' must be an integer"},
                {"{\"learningRate\": -1}", "'learningRate' must be a positive number"},
                {"{\"policy\": \"split\", \"splitQuantile\": 1.5}", "'splitQuantile' must be in (0, 1)"},
                {"{\"guard\": \"loud\"}", "'guard' must be one of off, warn, stop"},
                {"{\"methods\": [\"adept\", \"prefix-tuning\"]}", "unknown method 'prefix-tuning'"},
                {"{\"loraRank\": 0}", "'loraRank' must be at least 1"},
                {"{\"steps\": 10,", "not valid JSON"},
                {"{\"seeds\": [42, 42]}", "'seeds' repeats a seed"},
                {"{\"seeds\": [\"x\"]}", "'seeds' must be a list of whole numbers"},
                {"{\"base\": \"hub\"}", "'base' must be auto, shipped or pretrain"},
                {"{\"learningRates\": [0.01, -1]}", "'learningRates' must hold positive numbers"},
                {"{\"base\": \"shipped\", \"preset\": \"tiny\"}", "'base: shipped' needs preset small"},
                {"{\"shippedBase\": \"" + tmp.resolve("nowhere") + "\"}", "the shipped base model is missing"},
        };
        for (String[] c : cases) {
            Path out = tmp.resolve("never");
            CliTest.Run r = adept("run", "--config", config(c[0]).toString(), "--out", out.toString());
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertTrue(r.err().contains(c[1]), c[0] + " -> " + r.err());
            assertFalse(Files.exists(out), "nothing written for " + c[0]);
        }
        CliTest.Run keys = adept("run", "--list-keys");
        assertEquals(0, keys.code());
        assertTrue(keys.out().contains("replayWeight") && keys.out().contains("default"), keys.out());
    }
}
