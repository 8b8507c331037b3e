package io.adept4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adept4j.listeners.AtomicDirectory;
import io.adept4j.model.TensorArchive;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one checkpoint format of pretraining and tuning: a folder, written atomically ({@link AtomicDirectory}), with the
 * trained tensors ({@code weights.zip}), the optimizer state ({@code optimizer.zip}: moments and any per-unit
 * learning-rate multipliers) and {@code state.json} — the step, the settings' fingerprint and the run's history so far
 * (curves, refreshes, whatever the trainer keeps). Resuming compares the fingerprint as JSON data and refuses a
 * corrupt, truncated or foreign checkpoint with a message naming it and the fix.
 *
 * @param step        optimizer steps done
 * @param fingerprint what must match to resume (settings, trained tensors), as written and read back
 * @param weights     the trained tensors
 * @param optimizer   the optimizer state
 * @param history     the trainer's own record of the run
 */
public record TrainingCheckpoint(int step, JsonNode fingerprint, Map<String, INDArray> weights,
                                 Map<String, INDArray> optimizer, JsonNode history) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * A value as the JSON tree it reads back as: written and parsed, so numbers compare as a saved checkpoint's do (a
     * float field is a double once read) and objects compare by content, whatever their field order.
     */
    public static JsonNode asData(Object value) {
        try {
            return JSON.readTree(JSON.writeValueAsString(value));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a checkpoint into {@code dir}, replacing the previous one atomically. */
    public static void write(Path dir, int step, Object fingerprint, Map<String, INDArray> weights,
                             Map<String, INDArray> optimizer, Object history) throws IOException {
        AtomicDirectory.write(dir, tmp -> {
            TensorArchive.write(tmp.resolve("weights.zip"), weights);
            TensorArchive.write(tmp.resolve("optimizer.zip"), optimizer);
            ObjectNode state = JSON.createObjectNode();
            state.put("step", step);
            state.set("fingerprint", asData(fingerprint));
            state.set("history", asData(history));
            JSON.writeValue(tmp.resolve("state.json").toFile(), state);
        });
    }

    /** Whether {@code dir} (or what a crash left of it) holds a checkpoint. */
    public static boolean exists(Path dir) {
        try {
            return AtomicDirectory.recover(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("checkpoint " + dir + " could not be recovered (" + e.getMessage()
                    + "); start again without --resume (with --overwrite)", e);
        }
    }

    /**
     * Reads the checkpoint in {@code dir} made with {@code fingerprint}.
     *
     * @param what how to name it in messages, e.g. "tuning checkpoint"
     * @throws IllegalArgumentException naming the checkpoint and the fix when it is missing, corrupt, truncated or was
     *                                  made with other settings
     */
    public static TrainingCheckpoint read(Path dir, Object fingerprint, String what) {
        if (!exists(dir)) {
            throw new IllegalArgumentException("nothing to resume: no checkpoint in " + dir + " (a " + what
                    + " is written there while training runs); start without --resume");
        }
        JsonNode state;
        try {
            state = JSON.readTree(dir.resolve("state.json").toFile());
        } catch (IOException e) {
            throw corrupt(dir, what, e);
        }
        if (state == null || !state.has("fingerprint") || !state.has("step") || !state.has("history")) {
            throw new IllegalArgumentException(what + " " + dir + " is corrupt: state.json lacks its fields; start again "
                    + "without --resume (with --overwrite)");
        }
        JsonNode now = asData(fingerprint);
        if (!now.equals(state.get("fingerprint"))) {
            throw new IllegalArgumentException("the " + what + " in " + dir + " was made with other settings or another "
                    + "model; resume with the same options. Checkpoint: " + state.get("fingerprint") + " Now: " + now);
        }
        try {
            return new TrainingCheckpoint(state.get("step").asInt(), now, TensorArchive.read(dir.resolve("weights.zip")),
                    TensorArchive.read(dir.resolve("optimizer.zip")), state.get("history"));
        } catch (IOException | RuntimeException e) {
            throw corrupt(dir, what, e);
        }
    }

    /** The whole history as a typed value (a corrupt history is a corrupt checkpoint). */
    public <T> T history(com.fasterxml.jackson.core.type.TypeReference<T> type, Path dir, String what) {
        try {
            return JSON.convertValue(history, type);
        } catch (RuntimeException e) {
            throw corrupt(dir, what, e);
        }
    }

    private static IllegalArgumentException corrupt(Path dir, String what, Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new IllegalArgumentException(what + " " + dir + " is corrupt or truncated (" + m.lines().findFirst().orElse(m)
                + "); start again without --resume (with --overwrite)", e);
    }
}
