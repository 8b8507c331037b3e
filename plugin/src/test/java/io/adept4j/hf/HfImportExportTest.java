package io.adept4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adept4j.TestData;
import io.adept4j.datavec.tokenize.HfTokenizer;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.model.ModelStore;
import io.adept4j.model.ReferenceForward;
import io.adept4j.model.TensorArchive;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.Placement;
import io.adept4j.samediff.SelectiveExpander;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfImportExportTest {

    static final int VOCAB = 300;   // the tokenizer has 260 ids; the embedding is padded, as real models do
    static final int LAYERS = 2;
    static final int HIDDEN = 16;
    static final int FF = 24;

    @TempDir
    Path tmp;

    /**
     * A tiny checkpoint of one family, written without adept4j code. LLaMA: GQA 4/2, untied, llama3 rope scaling, BF16.
     * Qwen2: q/k/v biases, F16. Qwen3: head_dim 8 ≠ hidden/heads, q/k norms, tied, F32 — every option on one path.
     */
    private TinyCheckpoint write(Path dir, String arch, boolean withTokenizer) throws IOException {
        Files.createDirectories(dir);
        boolean qwen3 = arch.equals("Qwen3ForCausalLM");
        boolean qwen2 = arch.equals("Qwen2ForCausalLM");
        int heads = 4;
        int kv = 2;
        int hd = qwen3 ? 8 : HIDDEN / heads;
        String dtype = qwen3 ? "F32" : qwen2 ? "F16" : "BF16";
        boolean tied = qwen3;
        String rope = arch.equals("LlamaForCausalLM")
                ? "{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":8}" : "null";
        String cfg = "{\"architectures\":[\"" + arch + "\"],\"hidden_size\":" + HIDDEN + ",\"intermediate_size\":" + FF
                + ",\"num_hidden_layers\":" + LAYERS + ",\"num_attention_heads\":" + heads + ",\"num_key_value_heads\":" + kv
                + (qwen3 ? ",\"head_dim\":8" : "") + ",\"vocab_size\":" + VOCAB + ",\"max_position_embeddings\":64"
                + ",\"rms_norm_eps\":1e-5,\"rope_theta\":500.0,\"rope_scaling\":" + rope
                + ",\"tie_word_embeddings\":" + tied + ",\"hidden_act\":\"silu\",\"eos_token_id\":259"
                + ",\"torch_dtype\":\"bfloat16\",\"use_sliding_window\":false}";
        Files.writeString(dir.resolve("config.json"), cfg);
        TinyCheckpoint ck = new TinyCheckpoint(arch.hashCode());
        ck.add("model.embed_tokens.weight", dtype, VOCAB, HIDDEN);
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            ck.add(p + "input_layernorm.weight", dtype, HIDDEN);
            ck.add(p + "self_attn.q_proj.weight", dtype, heads * hd, HIDDEN);
            ck.add(p + "self_attn.k_proj.weight", dtype, kv * hd, HIDDEN);
            ck.add(p + "self_attn.v_proj.weight", dtype, kv * hd, HIDDEN);
            if (qwen2) {
                ck.add(p + "self_attn.q_proj.bias", dtype, heads * hd);
                ck.add(p + "self_attn.k_proj.bias", dtype, kv * hd);
                ck.add(p + "self_attn.v_proj.bias", dtype, kv * hd);
            }
            if (qwen3) {
                ck.add(p + "self_attn.q_norm.weight", dtype, hd);
                ck.add(p + "self_attn.k_norm.weight", dtype, hd);
            }
            ck.add(p + "self_attn.o_proj.weight", dtype, HIDDEN, heads * hd);
            ck.add(p + "post_attention_layernorm.weight", dtype, HIDDEN);
            ck.add(p + "mlp.gate_proj.weight", dtype, FF, HIDDEN);
            ck.add(p + "mlp.up_proj.weight", dtype, FF, HIDDEN);
            ck.add(p + "mlp.down_proj.weight", dtype, HIDDEN, FF);
        }
        ck.add("model.norm.weight", dtype, HIDDEN);
        if (!tied) {
            ck.add("lm_head.weight", dtype, VOCAB, HIDDEN);
        }
        ck.writeSafetensors(dir.resolve("model.safetensors"));
        if (withTokenizer) {
            Files.writeString(dir.resolve("tokenizer.json"), TinyCheckpoint.tokenizerJson());
        }
        return ck;
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return Nd4j.math().abs(a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"})
    void importedLogitsMatchAPlainReferenceForward(String arch) throws Exception {
        Path hf = tmp.resolve("hf");
        TinyCheckpoint ck = write(hf, arch, false);
        HfImporter.Report r = HfImporter.importCheckpoint(hf, tmp.resolve("model"));
        assertEquals(arch, r.family().architecture);
        LmConfig c = ModelStore.readConfig(tmp.resolve("model"));
        assertEquals(arch.equals("Qwen3ForCausalLM"), c.qkNorm());
        assertEquals(arch.equals("Qwen2ForCausalLM"), c.attentionBias());
        assertEquals(arch.equals("LlamaForCausalLM"), c.ropeScaling() != null);
        int[] ids = {5, 259, 17, 299, 0, 42, 42, 7, 120, 3, 88, 256};
        CausalLm lm = ModelStore.load(tmp.resolve("model"), ids.length);
        INDArray got = lm.logits(Nd4j.createFromArray(new int[][]{ids})).slice(0);
        INDArray ref = ReferenceForward.logits(c, ck.exact, ids);
        double diff = maxDiff(got, ref);
        assertTrue(diff <= 1e-4, arch + ": max |logit diff| " + diff);
        assertTrue(ref.stdNumber().doubleValue() > 0.1, "reference logits are not trivially flat");
        // llama3 scaling must matter at these positions (factor 8, original context 8): without it the logits differ.
        if (c.ropeScaling() != null) {
            LmConfig unscaled = new LmConfig(c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                    c.headDim(), c.intermediateSize(), c.maxSeqLen(), c.ropeTheta(), c.rmsNormEps(), c.tieEmbeddings(),
                    c.qkNorm(), c.attentionBias(), null);
            assertTrue(maxDiff(ReferenceForward.logits(unscaled, ck.exact, ids), ref) > 1e-3, "scaling has an effect");
        }
    }

    @Test
    void exportThenImportIsBitIdenticalWithIdenticalLogitsAndCarriesTheTokenizer() throws Exception {
        Path hf = tmp.resolve("hf");
        write(hf, "LlamaForCausalLM", true);
        Path model = tmp.resolve("model");
        HfImporter.Report r = HfImporter.importCheckpoint(hf, model);
        assertTrue(r.tokenizer());
        assertEquals(Map.of("BF16", r.tensors()), r.dtypes());

        // The tokenizer.json was selected automatically: real byte-level BPE ids, exact round trip.
        Tokenizer tok = Tokenizers.fromSpec(ModelStore.readConfig(model).tokenizer());
        assertEquals(HfTokenizer.KIND, tok.spec().kind());
        assertEquals(259, tok.endOfTextId());
        int[] enc = tok.encode("the theme");
        assertArrayEquals(new int[]{257, 258, 'm', 'e'}, enc, Arrays.toString(enc));
        String text = "Grüße, the naïve 東京 — ok";
        assertEquals(text, tok.decode(tok.encode(text)));

        Path out = tmp.resolve("exported");
        HfExporter.Report x = HfExporter.export(model, out);
        assertEquals(LAYERS, x.layers());
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", cfg.path("architectures").path(0).asText());
        assertEquals("llama3", cfg.path("rope_scaling").path("rope_type").asText());
        assertEquals(259, cfg.path("eos_token_id").asInt());
        assertArrayEquals(Files.readAllBytes(hf.resolve("tokenizer.json")), Files.readAllBytes(out.resolve("tokenizer.json")));
        assertEquals("pt", SafeTensors.readCheckpoint(out).metadata().get("format"));

        Path back = tmp.resolve("reimported");
        HfImporter.importCheckpoint(out, back);
        assertEquals(ModelStore.readConfig(model), ModelStore.readConfig(back));
        Map<String, INDArray> a = TensorArchive.read(model.resolve(ModelStore.WEIGHTS));
        Map<String, INDArray> b = TensorArchive.read(back.resolve(ModelStore.WEIGHTS));
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).shape(), b.get(name).shape(), name);
            assertArrayEquals(TestData.bits(a.get(name)), TestData.bits(b.get(name)), name + " bit pattern");
        }
        int[][] ids = {{1, 2, 3, 4, 5, 6}, {259, 258, 257, 256, 255, 0}};
        INDArray la = ModelStore.load(model, 6).logits(Nd4j.createFromArray(ids));
        INDArray lb = ModelStore.load(back, 6).logits(Nd4j.createFromArray(ids));
        assertEquals(0.0, maxDiff(la, lb), "identical logits");
    }

    @Test
    void aShardedBfloat16CheckpointImportsAndExportsBackToBfloat16BitForBit() throws Exception {
        Path hf = tmp.resolve("hf");
        TinyCheckpoint ck = write(hf, "LlamaForCausalLM", false);
        Files.delete(hf.resolve("model.safetensors"));
        ck.writeShards(hf, 3);
        Path model = tmp.resolve("model");
        HfImporter.Report r = HfImporter.importCheckpoint(hf, model);
        assertEquals(Map.of("BF16", r.tensors()), r.dtypes());
        Path out = tmp.resolve("exported");
        HfExporter.export(model, out, "BF16");
        assertEquals("bfloat16", new ObjectMapper().readTree(out.resolve("config.json").toFile()).path("torch_dtype").asText());
        SafeTensors.Contents original = SafeTensors.readCheckpoint(hf);
        try (SafeTensors.Reader exported = SafeTensors.open(out.resolve("model.safetensors"))) {
            assertEquals(original.tensors().keySet(), exported.entries().keySet());
            for (String name : original.tensors().keySet()) {
                assertEquals("BF16", exported.entries().get(name).dtype(), name);
                assertArrayEquals(TestData.bits(original.tensors().get(name)), TestData.bits(exported.read(name)), name);
            }
        }
        HfExporter.export(model, tmp.resolve("f32"), "F32");
        try (SafeTensors.Reader b = SafeTensors.open(out.resolve("model.safetensors"));
             SafeTensors.Reader f = SafeTensors.open(tmp.resolve("f32").resolve("model.safetensors"))) {
            long bf16 = b.entries().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
            long f32 = f.entries().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
            assertEquals(f32, 2 * bf16, "bf16 data is half the size");
        }
    }

    @Test
    void anExpandedModelExportsDeeperWithItsManifestAndComputesTheSame() throws Exception {
        Path hf = tmp.resolve("hf");
        write(hf, "Qwen3ForCausalLM", false);
        Path model = tmp.resolve("model");
        HfImporter.importCheckpoint(hf, model);
        CausalLm base = ModelStore.load(model, 6);
        int[][] ids = {{1, 2, 3, 4, 5, 6}, {9, 8, 7, 6, 5, 4}};
        INDArray x = Nd4j.createFromArray(ids);
        DataSet check = new DataSet(x, x.dup(), Nd4j.ones(DataType.FLOAT, 2, 6), null);
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.explicit(new int[]{1}, LAYERS), check, null);
        Path expanded = tmp.resolve("expanded");
        ModelStore.save(ex.model(), expanded);
        new ObjectMapper().writeValue(expanded.resolve(ExpansionManifest.FILE).toFile(), ex.manifest());

        Path out = tmp.resolve("exported");
        HfExporter.export(expanded, out);
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals(LAYERS + 1, cfg.path("num_hidden_layers").asInt());
        assertEquals("Qwen3ForCausalLM", cfg.path("architectures").path(0).asText());
        assertTrue(cfg.path("tie_word_embeddings").asBoolean());
        SafeTensors.Contents st = SafeTensors.readCheckpoint(out);
        assertFalse(st.tensors().containsKey("lm_head.weight"), "tied head is not written");
        String manifest = st.metadata().get(HfExporter.MANIFEST_KEY);
        assertNotNull(manifest);
        assertEquals(new ObjectMapper().readTree(expanded.resolve(ExpansionManifest.FILE).toFile()),
                new ObjectMapper().readTree(manifest));
        assertTrue(Files.isRegularFile(out.resolve("adept4j-manifest.json")));

        Path back = tmp.resolve("back");
        HfImporter.importCheckpoint(out, back);
        INDArray before = base.logits(x);
        INDArray after = ModelStore.load(back, 6).logits(x);
        assertTrue(maxDiff(before, after) <= 1e-5, "the exported expanded model computes what the base computed");
    }

    private String importError(Path hf) {
        Exception e = assertThrows(Exception.class, () -> HfImporter.importCheckpoint(hf, tmp.resolve("out")));
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written on failure");
        return e.getMessage();
    }

    /** Imports once and checks the error names the problem. */
    private void assertRefused(Path hf, String fragment) {
        String message = importError(hf);
        assertTrue(message.contains(fragment), message);
    }

    private void editConfig(Path hf, String from, String to) throws IOException {
        String s = Files.readString(hf.resolve("config.json"));
        assertTrue(s.contains(from), from);
        Files.writeString(hf.resolve("config.json"), s.replace(from, to));
    }

    @Test
    void unsupportedArchitecturesOptionsAndBrokenCheckpointsAreRefusedByName() throws Exception {
        Path hf = tmp.resolve("hf");
        assertRefused(hf, "no config.json");

        write(hf, "LlamaForCausalLM", false);
        editConfig(hf, "LlamaForCausalLM", "GPT2LMHeadModel");
        assertRefused(hf, "unsupported architecture 'GPT2LMHeadModel'");

        write(hf, "LlamaForCausalLM", false);
        editConfig(hf, "\"silu\"", "\"gelu\"");
        assertRefused(hf, "hidden_act 'gelu'");

        write(hf, "LlamaForCausalLM", false);
        editConfig(hf, "\"llama3\"", "\"yarn\"");
        assertRefused(hf, "rope scaling type 'yarn'");

        write(hf, "Qwen2ForCausalLM", false);
        editConfig(hf, "\"use_sliding_window\":false", "\"use_sliding_window\":true");
        assertRefused(hf, "use_sliding_window");

        write(hf, "LlamaForCausalLM", false);
        editConfig(hf, "\"num_hidden_layers\":2", "\"num_hidden_layers\":3");
        assertRefused(hf, "lacks tensor model.layers.2.");

        write(hf, "LlamaForCausalLM", false);
        editConfig(hf, "\"intermediate_size\":24", "\"intermediate_size\":32");
        assertRefused(hf, "mlp.gate_proj.weight has shape [24, 16], config.json implies [32, 16]");

        TinyCheckpoint ck = write(hf, "LlamaForCausalLM", false);
        ck.add("model.layers.0.mlp.extra.weight", "F32", 2);
        ck.writeSafetensors(hf.resolve("model.safetensors"));
        assertRefused(hf, "unexpected tensor model.layers.0.mlp.extra.weight");

        write(hf, "LlamaForCausalLM", false);
        byte[] bytes = Files.readAllBytes(hf.resolve("model.safetensors"));
        Files.write(hf.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length - 10));
        assertRefused(hf, "outside the data section");

        write(hf, "LlamaForCausalLM", true);
        Files.writeString(hf.resolve("tokenizer.json"), "{\"model\":{\"vocab\":{\"a\":0,\"b\":400}}}");
        assertRefused(hf, "ids up to 400, beyond the model's vocabulary of 300");
        Files.write(hf.resolve("tokenizer.json"), new byte[]{(byte) 0xC3, 0x28});
        assertRefused(hf, "not valid JSON");
    }

    @Test
    void aModelFolderWhoseTokenizerFileWasSwappedIsRefused() throws Exception {
        Path hf = tmp.resolve("hf");
        write(hf, "LlamaForCausalLM", true);
        Path model = tmp.resolve("model");
        HfImporter.importCheckpoint(hf, model);
        String json = Files.readString(model.resolve("tokenizer.json"), StandardCharsets.UTF_8);
        Files.writeString(model.resolve("tokenizer.json"), json.replace("\"t h\",", ""));
        IOException e = assertThrows(IOException.class, () -> ModelStore.readConfig(model));
        assertTrue(e.getMessage().contains("is not the tokenizer config.json was saved with"), e.getMessage());
    }

    /** True when {@code python3} with numpy runs here. */
    static boolean numpyAvailable() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            return p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * The export read by a second, independent implementation: scripts/hf_reference.py parses the safetensors file with
     * numpy and runs the transformers forward pass of each architecture; its logits must equal adept4j's. Skipped (and
     * reported as skipped) where python3 with numpy is not installed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"})
    void anIndependentNumpyForwardPassOverTheExportGivesTheSameLogits(String arch) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(numpyAvailable(), "python3 with numpy is not installed");
        Path hf = tmp.resolve("hf");
        write(hf, arch, false);
        Path model = tmp.resolve("model");
        HfImporter.importCheckpoint(hf, model);
        Path out = tmp.resolve("exported");
        HfExporter.export(model, out);
        int[] ids = {5, 259, 17, 299, 0, 42, 42, 7, 120, 3};
        Path script = Path.of(System.getProperty("adept4j.home", "..")).resolve("scripts/hf_reference.py");
        Process p = new ProcessBuilder("python3", script.toString(), out.toString(),
                Arrays.stream(ids).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, "reference script failed");
        JsonNode rows = new ObjectMapper().readTree(stdout).path("logits");
        INDArray ref = Nd4j.create(DataType.DOUBLE, ids.length, VOCAB);
        for (int t = 0; t < ids.length; t++) {
            for (int v = 0; v < VOCAB; v++) {
                ref.putScalar(t, v, rows.get(t).get(v).asDouble());
            }
        }
        INDArray got = ModelStore.load(model, ids.length).logits(Nd4j.createFromArray(new int[][]{ids})).slice(0);
        double diff = maxDiff(got, ref);
        assertTrue(diff <= 1e-4, arch + ": max |logit diff| vs the numpy reference " + diff);
        assertTrue(ref.stdNumber().doubleValue() > 0.1);
    }
}
