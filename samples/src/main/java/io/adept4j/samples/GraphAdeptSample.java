package io.adept4j.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adept4j.graph.AdeptGraph;
import io.adept4j.listeners.CheckpointListener;
import io.adept4j.graph.ResidualGraphs;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.Policy;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sample to copy: ADEPT on an existing, trained DL4J {@code ComputationGraph} saved with {@code ModelSerializer}:
 * probe its residual blocks on general data, copy the least important, train only the copies on domain data with
 * split learning rates, and save the result with {@code ModelSerializer} (updater state included, so training can go
 * on from it).
 *
 * <p>Run from the project folder after {@code ./adept --version} has built the CLI:
 * {@code java -cp "samples/target/adept-cli.jar:samples/target/lib/*" io.adept4j.samples.GraphAdeptSample
 * [base.zip] [out-dir]}. Without a {@code base.zip} it first trains and saves a small residual MLP there, so the
 * sample runs as is; replace the general iterator and the batches below with your own data.
 */
public final class GraphAdeptSample {

    static final int FEATURES = 16;
    static final int CLASSES = 4;

    private GraphAdeptSample() {
    }

    public static void main(String[] args) throws Exception {
        Path baseFile = Path.of(args.length > 0 ? args[0] : "runs/graph-sample/base.zip");
        Path out = Path.of(args.length > 1 ? args[1] : "runs/graph-sample/out");
        PrintWriter log = new PrintWriter(System.out, true);

        // 1. Your trained graph. Its residual blocks (layers whose output an ElementWiseVertex(Add) adds back to their
        //    input) are found automatically; declare others with GraphBlocks.declare(graph, index, input, add).
        if (!Files.isRegularFile(baseFile)) {
            log.println("[sample] no graph at " + baseFile + ": training a small residual MLP on the general task there");
            Files.createDirectories(baseFile.toAbsolutePath().getParent());
            ComputationGraph fresh = ResidualGraphs.residualMlp(FEATURES, 32, 64, 6, CLASSES, new Adam(3e-3), 1);
            for (int epoch = 0; epoch < 20; epoch++) {
                task(1, 0.0, 16, 64).forEach(fresh::fit);
            }
            ModelSerializer.writeModel(fresh, baseFile.toFile(), true);
        }
        ComputationGraph base = ModelSerializer.restoreComputationGraph(baseFile.toFile(), true);

        // 2. Your general data (what must not be forgotten): its first batches are probed and scored for importance.
        //    Domain training batches and both validation sets come in below, in your own loop.
        DataSetIterator general = new ListDataSetIterator<>(task(11, 0.0, 4, 64), 1);

        // 3. ADEPT in DL4J's own shape: model in, configured model out. K = 2 copies of the least general-important
        //    blocks; the copies train at lr 3e-3 with per-neuron learning rates from general importance, refreshed
        //    every 50 iterations and once before the first; the paper's continuous policy.
        AdeptGraph.Result adept = new AdeptGraph(base).general(general).copies(2).learningRate(3e-3).refreshEvery(50)
                .initialProbe(true).granularity(Granularity.NEURON).policy(Policy.CONTINUOUS).build();
        ComputationGraph graph = adept.graph();
        List<DataSet> generalVal = task(12, 0.0, 4, 64); // other batches than the probed ones
        List<DataSet> domainVal = task(3, 2.5, 4, 64);
        double generalBefore = meanScore(graph, generalVal);
        double domainBefore = meanScore(graph, domainVal);

        // 4. Your own training loop and listeners: plain fit, a score log, atomic checkpoints (graph, updater state and
        //    multipliers: CheckpointListener.restoreComputationGraph continues from one); the refresher goes last.
        int steps = 200;
        graph.setListeners(new ScoreIterationListener(50), CheckpointListener.dl4j(out.resolve("checkpoint"), 100),
                adept.refresher());
        List<DataSet> domainBatches = task(2, 2.5, 64, 64);
        long t0 = System.nanoTime();
        for (int step = 0; step < steps; step++) {
            graph.fit(domainBatches.get(step % domainBatches.size()));
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        graph.setListeners(List.of());
        double generalAfter = meanScore(graph, generalVal);
        double domainAfter = meanScore(graph, domainVal);

        // 5. For context: the same budget spent training every layer of the base (full fine-tuning, lr 3e-3).
        ComputationGraph full = ModelSerializer.restoreComputationGraph(baseFile.toFile(), true);
        full.setLearningRate(3e-3);
        for (int step = 0; step < steps; step++) {
            full.fit(domainBatches.get(step % domainBatches.size()));
        }
        double fullGeneral = meanScore(full, generalVal);
        double fullDomain = meanScore(full, domainVal);

        // 6. Save the tuned graph (frozen originals, trainable copies, updater state) and what happened.
        Files.createDirectories(out);
        File tuned = out.resolve("adept-graph.zip").toFile();
        ModelSerializer.writeModel(graph, tuned, true);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("base", baseFile.toString());
        result.put("tuned", tuned.toString());
        result.put("probe", adept.probe());
        result.put("manifest", adept.expansion().manifest());
        result.put("generalLossBefore", generalBefore);
        result.put("generalLossAfter", generalAfter);
        result.put("domainLossBefore", domainBefore);
        result.put("domainLossAfter", domainAfter);
        result.put("trainSeconds", trainSeconds);
        result.put("refreshes", adept.refresher().refreshes());
        result.put("fullFineTuneGeneralLoss", fullGeneral);
        result.put("fullFineTuneDomainLoss", fullDomain);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("result.json").toFile(), result);
        log.printf("[sample] ADEPT (copies of blocks %s): general loss %.4f -> %.4f, domain loss %.4f -> %.4f; wrote %s%n",
                adept.expansion().manifest().sources(), generalBefore, generalAfter, domainBefore, domainAfter, tuned);
        log.printf("[sample] full fine-tuning, same steps: general loss %.4f -> %.4f, domain loss %.4f -> %.4f%n",
                generalBefore, fullGeneral, domainBefore, fullDomain);
    }

    static double meanScore(ComputationGraph g, List<DataSet> batches) {
        return batches.stream().mapToDouble(b -> g.score(b, false)).average().orElseThrow();
    }

    /**
     * Synthetic classification with one fixed non-linear rule, class = argmax(tanh(x·A)·B), on inputs N(shift, 1): the
     * domain is a region of input space the base rarely saw, with the same rule, so learning it need not cost the
     * general region anything (a method that forgets here forgets for nothing).
     */
    static List<DataSet> task(long seed, double shift, int batches, int size) {
        Nd4j.getRandom().setSeed(7);
        INDArray a = Nd4j.randn(DataType.FLOAT, FEATURES, 24).muli(0.25); // smooth enough to learn from 1k examples
        INDArray bMat = Nd4j.randn(DataType.FLOAT, 24, CLASSES);
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, size, FEATURES).addi(shift);
            INDArray cls = org.nd4j.linalg.ops.transforms.Transforms.tanh(x.mmul(a)).mmul(bMat).argMax(1);
            INDArray y = Nd4j.zeros(DataType.FLOAT, size, CLASSES);
            for (int i = 0; i < size; i++) {
                y.putScalar(i, cls.getInt(i), 1);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }
}
