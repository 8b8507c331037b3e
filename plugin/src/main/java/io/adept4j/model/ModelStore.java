package io.adept4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adept4j.datavec.tokenize.HfTokenizer;
import io.adept4j.datavec.tokenize.TokenizerSpec;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.listeners.AtomicDirectory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A saved model is a folder: {@code config.json} (the {@link LmConfig}, with the tokenizer spec inside),
 * {@code weights.zip} (every tensor by its Hugging Face name, see {@link TensorArchive}) and {@code graph.sdz} (the
 * SameDiff graph of the blocks, for inspection with DL4J tools; loading rebuilds the graph from config and weights;
 * an imported model has none until it is saved again). A model whose tokenizer was read from a Hugging Face
 * {@code tokenizer.json} carries that file; reading the config loads it, so {@code Tokenizers.fromSpec} finds it.
 */
public final class ModelStore {

    /** Config file name inside a model folder. */
    public static final String CONFIG = "config.json";
    /** Weights file name inside a model folder. */
    public static final String WEIGHTS = "weights.zip";
    /**
     * How the model was derived from another one (for an expanded model, its expansion manifest), when it was: JSON
     * that export carries along. What it says belongs to the method that wrote it.
     */
    public static final String MANIFEST = "manifest.json";
    /** SameDiff graph file name inside a model folder. */
    public static final String GRAPH = "graph.sdz";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelStore() {
    }

    /**
     * Saves atomically: the folder is replaced only once everything is written. A model with LoRA adapters is saved
     * with them merged into its weights ({@link LoraAdapters#merged}): what lands on disk is always a plain model.
     */
    public static void save(CausalLm model, Path dir) throws IOException {
        save(model, dir, Map.of());
    }

    /**
     * Saves atomically with extra JSON files (file name → value, e.g. an expansion manifest) written inside the same
     * atomic step, so the folder is never seen without them. An existing folder is replaced only if it holds nothing
     * but what adept4j wrote ({@link AtomicDirectory}).
     */
    public static void save(CausalLm adapted, Path dir, Map<String, ?> jsonFiles) throws IOException {
        CausalLm model = LoraAdapters.merged(adapted); // a plain model on disk: adapters folded into the weights
        AtomicDirectory.write(dir, tmp -> {
            writeConfig(tmp, model.config());
            TensorArchive.write(tmp.resolve(WEIGHTS), model.weights());
            model.sameDiff().save(tmp.resolve(GRAPH).toFile(), false);
            for (Map.Entry<String, ?> e : jsonFiles.entrySet()) {
                JSON.writeValue(tmp.resolve(e.getKey()).toFile(), e.getValue());
            }
        });
    }

    /**
     * Writes {@code config.json} into a folder being written, and the tokenizer file when the model's tokenizer was
     * read from one.
     */
    public static void writeConfig(Path dir, LmConfig config) throws IOException {
        JSON.writeValue(dir.resolve(CONFIG).toFile(), config);
        TokenizerSpec spec = config.tokenizer();
        if (spec != null && HfTokenizer.KIND.equals(spec.kind())) {
            Files.write(dir.resolve(HfTokenizer.FILE), ((HfTokenizer) Tokenizers.fromSpec(spec)).json());
        }
    }

    /** Reads a model's config. */
    public static LmConfig readConfig(Path dir) throws IOException {
        Path f = dir.resolve(CONFIG);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("not a model folder (no " + CONFIG + "): " + dir);
        }
        LmConfig c;
        try {
            c = JSON.readValue(f.toFile(), LmConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("corrupt " + f + ": " + e.getOriginalMessage(), e);
        }
        TokenizerSpec spec = c.tokenizer();
        if (spec != null && HfTokenizer.KIND.equals(spec.kind())) {
            HfTokenizer t = HfTokenizer.load(dir.resolve(HfTokenizer.FILE), spec.vocabSize(), spec.endOfTextId());
            if (!t.spec().equals(spec)) {
                throw new IOException(dir.resolve(HfTokenizer.FILE) + " is not the tokenizer " + CONFIG
                        + " was saved with (sha256 " + t.spec().fingerprint() + " vs " + spec.fingerprint() + ")");
            }
        }
        return c;
    }

    /** Loads a model for sequences of its full length ({@code maxSeqLen}). */
    public static CausalLm load(Path dir) throws IOException {
        return load(dir, readConfig(dir).maxSeqLen());
    }

    /** Loads a model for sequences of length {@code seqLen} (at most its maxSeqLen). */
    public static CausalLm load(Path dir, int seqLen) throws IOException {
        LmConfig c = readConfig(dir);
        Map<String, INDArray> w = TensorArchive.read(dir.resolve(WEIGHTS));
        return CausalLm.build(c, w, seqLen, DataType.FLOAT);
    }
}
