package io.adept4j.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checkpoints every N iterations into one folder, written atomically ({@link AtomicDirectory}: a crash mid-write
 * leaves the previous checkpoint whole). The folder holds the model with its updater state and {@code step.txt}
 * (iterations done), so a run restored with {@link #restoreMultiLayerNetwork} / {@link #restoreComputationGraph} and
 * fed the batches after that step continues exactly. (The SameDiff language model checkpoints through its own training
 * loop, {@code TrainingCheckpoint} in the plugin, which also keeps the run's history.)
 */
public final class CheckpointListener {

    /** Model file inside a DL4J checkpoint ({@code ModelSerializer}, updater included). */
    public static final String DL4J_FILE = "model.zip";
    /** Iterations done when the checkpoint was written. */
    public static final String STEP_FILE = "step.txt";

    private CheckpointListener() {
    }

    /** A DL4J listener checkpointing a {@code MultiLayerNetwork} or {@code ComputationGraph}. */
    public static BaseTrainingListener dl4j(Path dir, int every) {
        requireEvery(every);
        return new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                long done = iteration + 1L;
                if (done % every == 0) {
                    write(dir, done, tmp -> ModelSerializer.writeModel(model, tmp.resolve(DL4J_FILE).toFile(), true));
                }
            }
        };
    }

    /** Iterations done in the checkpoint at {@code dir}; -1 if there is none. */
    public static long step(Path dir) throws IOException {
        AtomicDirectory.recover(dir);
        Path f = dir.resolve(STEP_FILE);
        if (!Files.exists(f)) {
            return -1;
        }
        String s = Files.readString(f, StandardCharsets.UTF_8).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException("checkpoint " + dir + " is corrupt: " + STEP_FILE + " holds '" + s + "'", e);
        }
    }

    /** The network of a DL4J checkpoint, updater state included. */
    public static MultiLayerNetwork restoreMultiLayerNetwork(Path dir) throws IOException {
        MultiLayerNetwork net = load(dir, f -> ModelSerializer.restoreMultiLayerNetwork(f, true));
        // listeners run before the count moves on, so it was saved one short; Adam's bias correction reads it
        net.getLayerWiseConfigurations().setIterationCount((int) step(dir));
        return net;
    }

    /** The graph of a DL4J checkpoint, updater state included. */
    public static ComputationGraph restoreComputationGraph(Path dir) throws IOException {
        ComputationGraph graph = load(dir, f -> ModelSerializer.restoreComputationGraph(f, true));
        graph.getConfiguration().setIterationCount((int) step(dir)); // saved one short, as above
        return graph;
    }

    /** Reads a model file the way {@code ModelSerializer} does. */
    private interface Reader<M> {
        M read(java.io.File f) throws IOException;
    }

    private static <M> M load(Path dir, Reader<M> reader) throws IOException {
        Path f = existing(dir, DL4J_FILE);
        try {
            return reader.read(f.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException("checkpoint " + f + " could not be read (corrupt or from another version): "
                    + e.getMessage(), e);
        }
    }

    private static Path existing(Path dir, String file) throws IOException {
        AtomicDirectory.recover(dir);
        Path f = dir.resolve(file);
        if (!Files.isRegularFile(f)) {
            throw new IOException("no checkpoint at " + dir + " (missing " + file + ")");
        }
        return f;
    }

    private static void requireEvery(int every) {
        if (every < 1) {
            throw new IllegalArgumentException("checkpoint interval must be at least 1 iteration, got " + every);
        }
    }

    private static void write(Path dir, long step, AtomicDirectory.Writer model) {
        try {
            AtomicDirectory.write(dir, tmp -> {
                model.write(tmp);
                Files.writeString(tmp.resolve(STEP_FILE), Long.toString(step), StandardCharsets.UTF_8);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not write checkpoint " + dir, e);
        }
    }
}
