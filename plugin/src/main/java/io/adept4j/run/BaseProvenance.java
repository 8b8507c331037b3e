package io.adept4j.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.model.LmConfig;
import io.adept4j.train.PretrainConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a cached base model was pretrained on and how: the general corpus's SHA-256 (over every document's content, in
 * order), the model shape with its tokenizer, and the pretraining settings (steps, seed, …). Written next to the cached
 * base as {@value #FILE} and checked before the base is reused, so a run on another corpus never silently gets a base
 * trained on someone else's text.
 *
 * @param corpusSha256 SHA-256 of the general corpus's documents
 * @param documents    number of general documents (pieces)
 * @param model        the model configuration, tokenizer included
 * @param pretraining  the pretraining settings
 */
public record BaseProvenance(String corpusSha256, int documents, LmConfig model, PretrainConfig pretraining) {

    /** File name next to a cached base's {@code model/} and {@code checkpoint/}. */
    public static final String FILE = "provenance.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The provenance a base pretrained now on {@code general} with these settings would have. */
    public static BaseProvenance of(java.util.List<Document> general, LmConfig model, PretrainConfig pretraining) {
        return new BaseProvenance(corpusSha256(general), general.size(), model, pretraining);
    }

    /** SHA-256 (hex) of a corpus's documents in order: prompts, texts and end-of-text flags. */
    public static String corpusSha256(java.util.List<Document> docs) {
        MessageDigest md = sha256();
        for (Document d : docs) {
            md.update(d.prompt().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(d.text().getBytes(StandardCharsets.UTF_8));
            md.update((byte) (d.endOfText() ? 1 : 2));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A short key of everything recorded (12 hex digits), part of the cache folder's name. */
    public String key() {
        try {
            return HexFormat.of().formatHex(sha256().digest(JSON.writeValueAsBytes(JSON.valueToTree(this))))
                    .substring(0, 12);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@value #FILE} into {@code baseDir} atomically. */
    public void write(Path baseDir) throws IOException {
        Files.createDirectories(baseDir);
        Path tmp = Files.createTempFile(baseDir, FILE, ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, baseDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Checks that {@code baseDir} holds a base made exactly this way.
     *
     * @throws IllegalArgumentException naming the file and the fix when it is missing, unreadable or different
     */
    public void requireSameAs(Path baseDir) {
        Path f = baseDir.resolve(FILE);
        String fix = "; delete " + baseDir + " to pretrain it again, or set baseModel to a model folder";
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("cached base " + baseDir + " has no " + FILE
                    + " (made by an older adept4j or not by adept4j)" + fix);
        }
        BaseProvenance found;
        try {
            found = JSON.readValue(f.toFile(), BaseProvenance.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(f + " is corrupt (" + e.getMessage().lines().findFirst().orElse("") + ")" + fix, e);
        }
        if (!JSON.valueToTree(found).equals(JSON.valueToTree(this))) {
            throw new IllegalArgumentException("cached base " + baseDir + " was pretrained on another corpus or with other "
                    + "settings (corpus sha256 " + found.corpusSha256() + ", now " + corpusSha256() + ")" + fix);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
