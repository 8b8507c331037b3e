package io.adept4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.adept4j.listeners.AtomicDirectory;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.model.ModelStore;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.ProbeResult;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every input of a command checked before any work starts, each failure an {@link IllegalArgumentException} (exit 2)
 * whose one line names the file and the fix: the output folder, model folders, probe files, manifests.
 */
final class Inputs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Inputs() {
    }

    /**
     * Checks that {@code out} can take this command's results without losing anything: it is not a file; it is absent,
     * empty, or the caller was told to replace adept4j's own files there ({@code overwrite}); it is writable. Removes
     * temporaries that a killed run left behind.
     */
    static Path output(Path out, boolean overwrite) {
        return output("--out", out, overwrite);
    }

    /** {@link #output(Path, boolean)} for an option of another name. */
    static Path output(String option, Path out, boolean overwrite) {
        return output(option, out, overwrite, false, false);
    }

    /**
     * {@link #output(Path, boolean)} for a command with {@code --resume}: a folder with results is also fine when the
     * caller continues there ({@code resume}), and a refusal names that option.
     */
    static Path resumableOutput(Path out, boolean overwrite, boolean resume) {
        return output("--out", out, overwrite, resume, true);
    }

    private static Path output(String option, Path out, boolean overwrite, boolean resume, boolean resumable) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException(option + " " + out + " is a file, not a folder; give a folder path");
        }
        try {
            if (Files.isDirectory(out)) {
                AtomicDirectory.cleanStaleIn(out); // model/, checkpoint/ and staged imports write their temporaries here
                List<String> present = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
                    for (Path p : ds) {
                        present.add(p.getFileName().toString());
                    }
                }
                present.sort(null);
                if (!present.isEmpty() && !overwrite && !resume) {
                    throw new IllegalArgumentException(option + " " + out + " already holds " + String.join(", ",
                            present.subList(0, Math.min(4, present.size()))) + (present.size() > 4 ? ", …" : "")
                            + "; choose a new folder" + (resumable ? ", add --resume to continue the run there," : "")
                            + " or add --overwrite to replace the files adept4j wrote there");
                }
            }
            // writable where it will be created; nothing is created now, so a refused command leaves no trace
            Path existing = out.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
                throw new IOException((existing == null ? out : existing) + " is not a writable folder");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write to " + option + " " + out + " (" + e.getMessage()
                    + "); choose a writable folder", e);
        }
        return out;
    }

    /** A model folder's config, or a message naming the file and the fix. */
    static LmConfig modelConfig(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir + " (no config.json there); give a "
                    + "folder written by adept pretrain, expand, tune or import");
        }
        try {
            return ModelStore.readConfig(dir);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(dir.resolve(ModelStore.CONFIG) + " is invalid (" + firstLine(e)
                    + "); restore it from the command that wrote the model, or re-create the model", e);
        }
    }

    /** Loads a model (its config checked first), or a message naming the corrupt weights file and the fix. */
    static CausalLm model(Path dir, SeqLenOption window) {
        modelConfig(dir);
        try {
            return window.load(dir);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(dir.resolve(ModelStore.WEIGHTS) + " is corrupt or truncated ("
                    + firstLine(e) + "); re-create the model (adept pretrain, expand, tune or import) or use another "
                    + "model folder", e);
        }
    }

    /** A probe file, checked to be complete and usable. */
    static ProbeResult probe(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("probe file not found: " + file + "; run adept probe first");
        }
        ProbeResult p;
        try {
            p = JSON.readValue(file.toFile(), ProbeResult.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a probe.json (" + firstLine(e) + "); run adept probe "
                    + "again to re-create it", e);
        }
        if (p == null) {
            throw new IllegalArgumentException(file + " is empty; run adept probe again to re-create it");
        }
        p.requireValid(file.toString());
        return p;
    }

    /** The expansion manifest of an expanded model folder. */
    static ExpansionManifest manifest(Path modelDir) {
        Path f = modelDir.resolve(ExpansionManifest.FILE);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("no " + ExpansionManifest.FILE + " in " + modelDir
                    + ": tune an expanded model (adept expand)");
        }
        ExpansionManifest m;
        try {
            m = JSON.readValue(f.toFile(), ExpansionManifest.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(f + " is corrupt (" + firstLine(e) + "); re-create the expanded model "
                    + "with adept expand", e);
        }
        if (m == null || m.blocks() == null || m.trainableTensors() == null || m.expandedModel() == null) {
            throw new IllegalArgumentException(f + " is incomplete; re-create the expanded model with adept expand");
        }
        return m;
    }

    /** A positive count, or a message naming the option. */
    static int positive(String option, Integer value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        }
        return value == null ? 0 : value;
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
