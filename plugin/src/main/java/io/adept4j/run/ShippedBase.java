package io.adept4j.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adept4j.model.ModelStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

/**
 * The base model shipped in the repository ({@value #DIR}): pretrained once, reproducibly, on the full general corpora
 * minus the bundled excerpt (so the bundled general corpus is text it never saw), with its command, seed, corpus
 * checksums and file checksums in {@value #PROVENANCE}. {@code adept run} uses it instead of pretraining when the run
 * asks for the model it is ({@link #PRESET} preset, {@link #TOKENIZER} tokenizer, no other pretraining budget), after
 * checking every file's SHA-256; a missing or changed file stops the run with the fix, it never silently re-pretrains.
 */
public final class ShippedBase {

    /** Folder of the shipped base, relative to the project. */
    public static final String DIR = "models/base-small-bpe4096";
    /** The preset the shipped base was pretrained with. */
    public static final String PRESET = "small";
    /** The tokenizer the shipped base was pretrained with. */
    public static final String TOKENIZER = "bpe:4096";
    /** Provenance file: how the base was made and the SHA-256 of each of its files. */
    public static final String PROVENANCE = "provenance.json";

    private ShippedBase() {
    }

    /** Whether a run with this preset, tokenizer and pretraining budget (0: the preset's) asks for the shipped base. */
    public static boolean matches(String preset, String tokenizer, long pretrainSteps) {
        return PRESET.equalsIgnoreCase(preset) && TOKENIZER.equalsIgnoreCase(tokenizer) && pretrainSteps == 0;
    }

    /**
     * Checks the shipped base in {@code dir} against its provenance file and returns its model folder.
     *
     * @throws IllegalArgumentException naming the file and the fix when a file is missing or its checksum differs
     */
    public static Path verified(Path dir) {
        String fix = ": restore it with `git checkout -- " + DIR + "`, rebuild it with scripts/build-base.sh, or set "
                + "base: pretrain (adept run --pretrain) to pretrain a base on the run's general corpus instead";
        Path prov = dir.resolve(PROVENANCE);
        if (!Files.isRegularFile(prov)) {
            throw new IllegalArgumentException("the shipped base model is missing (" + prov + " not found)" + fix);
        }
        JsonNode files;
        try {
            files = new ObjectMapper().readTree(prov.toFile()).get("files");
        } catch (IOException e) {
            throw new IllegalArgumentException(prov + " is corrupt (" + e.getMessage().lines().findFirst().orElse("") + ")"
                    + fix, e);
        }
        if (files == null || !files.isObject() || !files.has(ModelStore.CONFIG) || !files.has(ModelStore.WEIGHTS)) {
            throw new IllegalArgumentException(prov + " lists no checksums of " + ModelStore.CONFIG + " and "
                    + ModelStore.WEIGHTS + fix);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            Path p = dir.resolve(f.getKey());
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("the shipped base model is incomplete (" + p + " not found)" + fix);
            }
            String sha = sha256(p);
            if (!sha.equals(f.getValue().asText())) {
                throw new IllegalArgumentException("the shipped base model file " + p + " is corrupt or changed (sha256 "
                        + sha.substring(0, 12) + "…, " + PROVENANCE + " says " + f.getValue().asText().substring(0,
                        Math.min(12, f.getValue().asText().length())) + "…)" + fix);
            }
        }
        return dir;
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
