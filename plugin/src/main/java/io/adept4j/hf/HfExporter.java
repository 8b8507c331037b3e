package io.adept4j.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adept4j.datavec.tokenize.HfTokenizer;
import io.adept4j.datavec.tokenize.TokenizerSpec;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.listeners.AtomicDirectory;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import io.adept4j.model.ModelStore;
import io.adept4j.model.TensorArchive;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes an adept4j model folder as a Hugging Face checkpoint that {@code transformers} loads as the same
 * architecture: {@code config.json} (with the model's current {@code num_hidden_layers}, so an expanded model exports
 * as a deeper one), {@code model.safetensors} in float32 or bfloat16 (no {@code lm_head.weight} when embeddings are tied, as
 * {@code transformers} writes it), {@code tokenizer.json} when the model was imported with one (else the built-in tokenizer's spec as
 * {@value #BUILTIN_TOKENIZER}, which a re-import uses), and the expansion
 * manifest both as {@value #MANIFEST_KEY} metadata in the safetensors header and as a file.
 */
public final class HfExporter {

    /** Safetensors metadata key of the expansion manifest (JSON). */
    public static final String MANIFEST_KEY = "adept4j.manifest";
    /** File holding the spec of a built-in adept4j tokenizer (bpe, byte), which has no {@code tokenizer.json}. */
    public static final String BUILTIN_TOKENIZER = "adept4j-tokenizer.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What an export wrote. */
    public record Report(HfConfig.Family family, int layers, int tensors, long bytes, boolean tokenizer,
                         boolean manifest, double seconds) {
    }

    private HfExporter() {
    }

    private static void release(INDArray a) {
        if (a != null && a.closeable()) {
            a.close(); // native memory back now, not at the next GC
        }
    }

    /** Exports {@code modelDir} to {@code hfOut} (replaced atomically) in float32. */
    public static Report export(Path modelDir, Path hfOut) throws IOException {
        return export(modelDir, hfOut, "F32");
    }

    /**
     * Exports {@code modelDir} to {@code hfOut} (replaced atomically).
     *
     * @param dtype {@code F32} or {@code BF16} (half the size; weights imported from BF16 and not trained are written
     *              back bit for bit, trained ones rounded to nearest)
     */
    public static Report export(Path modelDir, Path hfOut, String dtype) throws IOException {
        long t0 = System.nanoTime();
        LmConfig c = ModelStore.readConfig(modelDir);
        HfConfig.Family family = HfConfig.Family.of(c);
        TokenizerSpec spec = c.tokenizer();
        boolean hfTokenizer = spec != null && HfTokenizer.KIND.equals(spec.kind());
        int eos = spec != null && spec.specialTokens().containsKey(TokenizerSpec.END_OF_TEXT) ? spec.endOfTextId() : -1;
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt"); // transformers refuses safetensors metadata without it
        Path manifest = modelDir.resolve(ModelStore.MANIFEST);
        boolean hasManifest = Files.isRegularFile(manifest);
        if (hasManifest) {
            metadata.put(MANIFEST_KEY, Files.readString(manifest));
        }
        Map<String, long[]> shapes = LlamaLayout.tensors(c);
        Path weights = modelDir.resolve(ModelStore.WEIGHTS);
        AtomicDirectory.write(hfOut, tmp -> {
            JSON.writeValue(tmp.resolve("config.json").toFile(), HfConfig.toJson(c, eos, dtype));
            // Streamed: the archive is read in the order it was written (the layout's order), one tensor at a time.
            try (TensorArchive.Reader reader = new TensorArchive.Reader(weights)) {
                INDArray[] previous = {null};
                SafeTensors.write(tmp.resolve("model.safetensors"), shapes, metadata, name -> {
                    release(previous[0]);
                    TensorArchive.Reader.Entry e = reader.next();
                    if (e == null || !e.name().equals(name)) {
                        throw new IOException(weights + " holds " + (e == null ? "no more tensors" : e.name())
                                + " where " + name + " was expected (not written by adept4j for this config?)");
                    }
                    previous[0] = e.array();
                    return e.array();
                }, dtype);
                release(previous[0]);
            }
            if (hfTokenizer) {
                Files.write(tmp.resolve(HfTokenizer.FILE), ((HfTokenizer) Tokenizers.fromSpec(spec)).json());
            } else if (spec != null) {
                // A built-in tokenizer has no tokenizer.json; its spec lets a re-import find it again.
                JSON.writeValue(tmp.resolve(BUILTIN_TOKENIZER).toFile(), spec);
            }
            if (hasManifest) {
                Files.copy(manifest, tmp.resolve("adept4j-" + ModelStore.MANIFEST));
            }
        });
        return new Report(family, c.numLayers(), shapes.size(), Files.size(hfOut.resolve("model.safetensors")),
                hfTokenizer, hasManifest, (System.nanoTime() - t0) / 1e9);
    }
}
