package io.adept4j.hf;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Brings a Hugging Face checkpoint folder ({@code config.json}, safetensors, optional {@code tokenizer.json}) into an
 * adept4j model folder ({@link ModelStore}). Everything is checked from the headers before a byte of weights is read
 * (architecture and options, every tensor's presence and shape, no unknown tensors), then tensors stream one at a time
 * from the memory-mapped file into the archive, so a checkpoint larger than the heap imports with the heap it has.
 * The output folder appears only when complete.
 */
public final class HfImporter {

    private static final Logger log = LoggerFactory.getLogger(HfImporter.class);

    /** What an import did. */
    public record Report(LmConfig config, HfConfig.Family family, int tensors, long parameters,
                         Map<String, Integer> dtypes, boolean tokenizer, List<String> skipped, long bytesRead,
                         double seconds) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Progress lines at most this often. */
    private static final double PROGRESS_SECONDS = 2.0;

    private HfImporter() {
    }

    /**
     * Reads {@code config.json} (and {@code tokenizer.json} when present, selected automatically; or the spec of a
     * built-in adept4j tokenizer written by {@link HfExporter}) into the model's config, without touching the weights.
     */
    public static HfConfig.Parsed readConfig(Path hfDir) throws IOException {
        Path cfgFile = hfDir.resolve("config.json");
        if (!Files.isRegularFile(cfgFile)) {
            throw new IllegalArgumentException("not a Hugging Face checkpoint folder (no config.json): " + hfDir);
        }
        JsonNode cfg;
        try {
            cfg = JSON.readTree(cfgFile.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(cfgFile + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        HfConfig.Parsed p = HfConfig.parse(cfg, null);
        Path tokFile = hfDir.resolve(HfTokenizer.FILE);
        if (!Files.isRegularFile(tokFile)) {
            Path builtin = hfDir.resolve(HfExporter.BUILTIN_TOKENIZER);
            if (!Files.isRegularFile(builtin)) {
                return p;
            }
            TokenizerSpec spec = JSON.readValue(builtin.toFile(), TokenizerSpec.class);
            Tokenizers.fromSpec(spec); // fails now, naming the spec, if this build does not have that tokenizer
            return new HfConfig.Parsed(p.config().withTokenizer(spec), p.family(), p.eosTokenId());
        }
        HfTokenizer tok = HfTokenizer.load(tokFile, p.config().vocabSize(), p.eosTokenId());
        return new HfConfig.Parsed(p.config().withTokenizer(tok.spec()), p.family(), p.eosTokenId());
    }

    /**
     * Imports {@code hfDir} into {@code outDir}.
     *
     * @throws IOException              naming the file and tensor for a missing, misshapen, unknown or corrupt tensor
     * @throws IllegalArgumentException naming an unsupported architecture or option
     */
    public static Report importCheckpoint(Path hfDir, Path outDir) throws IOException {
        long t0 = System.nanoTime();
        HfConfig.Parsed parsed = readConfig(hfDir);
        LmConfig c = parsed.config();
        Map<String, long[]> expected = LlamaLayout.tensors(c);
        try (SafeTensors.Checkpoint ckpt = SafeTensors.openCheckpoint(hfDir)) {
            Map<String, SafeTensors.Entry> entries = ckpt.entries();
            List<String> skipped = new ArrayList<>();
            for (String name : entries.keySet()) {
                if (expected.containsKey(name)) {
                    continue;
                }
                if ((name.equals(LlamaLayout.LM_HEAD) && c.tieEmbeddings()) || name.endsWith("rotary_emb.inv_freq")) {
                    skipped.add(name); // tied head stored anyway, or a buffer transformers recomputes
                } else {
                    throw new IOException(hfDir + ": unexpected tensor " + name + " for a " + parsed.family().architecture
                            + " with " + c.numLayers() + " layers" + (c.tieEmbeddings() ? " and tied embeddings" : ""));
                }
            }
            long totalBytes = 0;
            Map<String, Integer> dtypes = new TreeMap<>();
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                SafeTensors.Entry entry = entries.get(e.getKey());
                if (entry == null) {
                    throw new IOException(hfDir + ": the checkpoint lacks tensor " + e.getKey());
                }
                if (!Arrays.equals(entry.shape(), e.getValue())) {
                    throw new IOException(hfDir + ": tensor " + e.getKey() + " has shape " + Arrays.toString(entry.shape())
                            + ", config.json implies " + Arrays.toString(e.getValue()));
                }
                totalBytes += entry.end() - entry.begin();
                dtypes.merge(entry.dtype(), 1, Integer::sum);
            }
            long bytesTotal = totalBytes;
            AtomicDirectory.write(outDir, tmp -> {
                ModelStore.writeConfig(tmp, c);
                double lastPrint = 0;
                long done = 0;
                try (TensorArchive.Writer w = new TensorArchive.Writer(tmp.resolve(ModelStore.WEIGHTS))) {
                    for (String name : expected.keySet()) {
                        INDArray a = ckpt.read(name);
                        w.put(name, a);
                        if (a.closeable()) {
                            a.close(); // native memory back now, not at the next GC: one tensor resident at a time
                        }
                        SafeTensors.Entry entry = entries.get(name);
                        done += entry.end() - entry.begin();
                        double s = (System.nanoTime() - t0) / 1e9;
                        if (s - lastPrint >= PROGRESS_SECONDS || done == bytesTotal) {
                            lastPrint = s;
                            double rate = done / Math.max(s, 1e-9);
                            log.info(String.format("[import] %,d / %,d MB  %.0f MB/s  ETA %.0f s", done >> 20,
                                    bytesTotal >> 20, rate / (1 << 20), (bytesTotal - done) / Math.max(rate, 1)));
                        }
                    }
                }
            });
            return new Report(c, parsed.family(), expected.size(), LlamaLayout.parameterCount(c), dtypes,
                    c.tokenizer() != null, skipped, bytesTotal, (System.nanoTime() - t0) / 1e9);
        }
    }
}
