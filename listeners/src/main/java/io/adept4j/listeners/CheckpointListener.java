package io.adept4j.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checkpoints every N iterations into one folder, written atomically ({@link AtomicDirectory}: a crash mid-write
 * leaves the previous checkpoint whole). The folder holds the model with its updater state and {@code step.txt}
 * (iterations done), so a run restored with {@link #restoreSameDiff(SameDiff, Path)} / {@link #restoreMultiLayerNetwork} /
 * {@link #restoreComputationGraph} and fed the batches after that step continues exactly.
 */
public final class CheckpointListener {

    /** Model file inside a SameDiff checkpoint (graph, weights and updater state). */
    public static final String SAMEDIFF_FILE = "model.sdz";
    /** Model file inside a DL4J checkpoint ({@code ModelSerializer}, updater included). */
    public static final String DL4J_FILE = "model.zip";
    /** Iterations done when the checkpoint was written. */
    public static final String STEP_FILE = "step.txt";

    private CheckpointListener() {
    }

    /**
     * A SameDiff listener checkpointing {@code model} into {@code dir} every {@code every} iterations. (The graph
     * handed to listeners during {@code fit} is the gradient function, which holds no updater state; hence the
     * explicit model.)
     */
    public static BaseListener sameDiff(SameDiff model, Path dir, int every) {
        requireEvery(every);
        return new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return operation == Operation.TRAINING;
            }

            @Override
            public void iterationDone(SameDiff sd, At at, MultiDataSet batch, Loss loss) {
                long done = at.iteration() + 1L;
                if (done % every == 0) {
                    write(dir, done, tmp -> model.save(tmp.resolve(SAMEDIFF_FILE).toFile(), true));
                }
            }
        };
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

    /**
     * Loads a SameDiff checkpoint into {@code target}, a freshly built copy of the same graph (built by the code that
     * built the original, with its {@code TrainingConfig}): variable values, updater state and iteration count.
     * (A graph saved after training holds its gradient ops, and M2.1 cannot build a gradient function on such a graph
     * again, so the checkpoint's graph itself is not trained further.)
     *
     * @throws IOException naming a missing or unreadable checkpoint, or a variable the checkpoint lacks
     */
    @SuppressWarnings("unchecked")
    public static void restoreSameDiff(SameDiff target, Path dir) throws IOException {
        Path f = existing(dir, SAMEDIFF_FILE);
        long step = step(dir);
        SameDiff saved;
        try {
            saved = SameDiff.load(f.toFile(), true);
        } catch (RuntimeException e) {
            throw new IOException("checkpoint " + f + " could not be read (corrupt or from another version): " + e.getMessage(), e);
        }
        for (SDVariable v : target.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                if (!saved.hasVariable(v.name()) || saved.getArrForVarName(v.name()) == null) {
                    throw new IOException("checkpoint " + f + " has no value for variable " + v.name());
                }
                v.getArr().assign(saved.getArrForVarName(v.name()));
            }
        }
        if (target.getTrainingConfig() == null) {
            throw new IllegalStateException("the target graph has no TrainingConfig; set the one the run used");
        }
        // listeners run before the iteration counter moves on, so the saved count is one short; Adam's bias
        // correction reads it, hence the count from step.txt
        target.getTrainingConfig().setIterationCount((int) step);
        Map<String, GradientUpdater> savedUpdaters = saved.getUpdaterMap();
        if (savedUpdaters != null && !savedUpdaters.isEmpty()) {
            if (target.getUpdaterMap() == null) {
                initializeTraining(target);
            }
            for (Map.Entry<String, GradientUpdater> e : savedUpdaters.entrySet()) {
                GradientUpdater live = target.getUpdaterMap().get(e.getKey());
                if (live != null && e.getValue().getState() != null) {
                    Map<String, INDArray> state = new HashMap<>();
                    ((Map<String, INDArray>) e.getValue().getState()).forEach((k, a) -> state.put(k, a.dup()));
                    live.setState(state, false);
                }
            }
        }
    }

    /** Creates the graph's updaters now (M2.1 keeps {@code initializeTraining} protected; fit would call it anyway). */
    private static void initializeTraining(SameDiff sd) throws IOException {
        try {
            java.lang.reflect.Method m = SameDiff.class.getDeclaredMethod("initializeTraining");
            m.setAccessible(true);
            m.invoke(sd);
        } catch (ReflectiveOperationException e) {
            throw new IOException("cannot create the updaters of the target graph to restore their state", e);
        }
    }

    /** The network of a DL4J checkpoint, updater state included. */
    public static MultiLayerNetwork restoreMultiLayerNetwork(Path dir) throws IOException {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(existing(dir, DL4J_FILE).toFile(), true);
        net.getLayerWiseConfigurations().setIterationCount((int) step(dir)); // saved one short, as above
        return net;
    }

    /** The graph of a DL4J checkpoint, updater state included. */
    public static ComputationGraph restoreComputationGraph(Path dir) throws IOException {
        ComputationGraph graph = ModelSerializer.restoreComputationGraph(existing(dir, DL4J_FILE).toFile(), true);
        graph.getConfiguration().setIterationCount((int) step(dir)); // saved one short, as above
        return graph;
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
