package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.adept4j.tests.CliTest.adept;
import static io.adept4j.tests.CliTest.corpora;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code adept export} / {@code adept import} on the command line, and a Stage 1 command on an imported model that
 * declares a long context, run with {@code --seq-len}.
 */
class HfCliTest {

    @TempDir
    Path tmp;

    @Test
    void exportImportAndProbeAnImportedLongContextModel() throws Exception {
        Path base = tmp.resolve("base");
        assertEquals(0, adept("pretrain", "--preset", "tiny", "--steps", "2", "--tokenizer", "bpe:1024",
                "--corpus", corpora().resolve("general.jsonl.gz").toString(), "--out", base.toString()).code());
        Path hf = tmp.resolve("hf");
        CliTest.Run x = adept("export", "--model", base.resolve("model").toString(), "--hf-out", hf.toString(), "--dtype", "bf16");
        assertEquals(0, x.code(), x.err());
        assertTrue(x.out().contains("[export] LlamaForCausalLM"), x.out());
        assertTrue(Files.isRegularFile(hf.resolve("adept4j-tokenizer.json")), "the built-in tokenizer's spec travels along");

        // A real checkpoint would declare tens of thousands of positions.
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(hf.resolve("config.json").toFile());
        cfg.put("max_position_embeddings", 40960);
        json.writeValue(hf.resolve("config.json").toFile(), cfg);

        Path model = tmp.resolve("imported");
        CliTest.Run i = adept("import", "--hf", hf.toString(), "--out", model.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("tokenizer: bpe:1024"), i.out());
        JsonNode report = json.readTree(model.resolve("import.json").toFile());
        assertEquals("LlamaForCausalLM", report.path("architecture").asText());
        assertEquals(40960, report.path("config").path("maxSeqLen").asInt());

        Path probe = tmp.resolve("probe");
        CliTest.Run p = adept("probe", "--model", model.toString(), "--seq-len", "32", "--max-batches", "2",
                "--general", corpora().resolve("general.jsonl.gz").toString(), "--out", probe.toString());
        assertEquals(0, p.code(), p.err());
        assertEquals(2, json.readTree(probe.resolve("probe.json").toFile()).path("layers").size());

        CliTest.Run bad = adept("export", "--model", model.toString(), "--hf-out", tmp.resolve("x").toString(), "--dtype", "f16");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--dtype must be f32 or bf16"), bad.err());
        CliTest.Run notHf = adept("import", "--hf", tmp.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(2, notHf.code(), notHf.err());
        assertTrue(notHf.err().contains("no config.json"), notHf.err());
        assertFalse(Files.exists(tmp.resolve("y")));
    }
}
