package io.adept4j.listeners;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListenersTest {

    private static List<DataSet> batches(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new DataSet(Nd4j.rand(DataType.FLOAT, 8, 4), Nd4j.rand(DataType.FLOAT, 8, 2)));
        }
        return out;
    }

    private static MultiLayerNetwork mlp() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(5).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void dl4jImportanceListenerSeesTheGradientsComputeGradientAndScoreGives() {
        MultiLayerNetwork net = mlp();
        DataSet b = batches(1, 5).get(0);
        net.setInput(b.getFeatures());
        net.setLabels(b.getLabels());
        net.computeGradientAndScore();
        Map<String, INDArray> expected = new java.util.HashMap<>();
        net.gradient().gradientForVariable().forEach((k, v) -> expected.put(k, v.dup()));
        GradientImportance imp = new GradientImportance();
        net.setListeners(new GradientImportanceTrainingListener(k -> k.endsWith("_W"), imp));
        net.fit(b);
        assertEquals(Set.of("0_W", "1_W"), imp.names());
        for (String k : imp.names()) {
            assertEquals(1, imp.count(k));
            INDArray want = Transforms.abs(expected.get(k), true);
            assertEquals(0.0, imp.meanAbsGradient(k).sub(want.reshape(imp.meanAbsGradient(k).shape()))
                    .amaxNumber().doubleValue(), 1e-7, k);
        }
    }

    @Test
    void perplexityMonitorRecordsBothCurvesAndItsGuardWarnsOrStops() {
        Iterator<Double> general = List.of(2.0, 2.05, 2.3, 2.6).iterator();
        Iterator<Double> domain = List.of(5.0, 4.0, 3.5, 3.0).iterator();
        PerplexityMonitor warn = new PerplexityMonitor(general::next, domain::next, 2, 0.2,
                PerplexityMonitor.GuardAction.WARN);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true)); // slf4j-simple, the tests' binding, writes to System.err
        try {
            assertEquals(null, warn.evaluate(0));
            for (int step = 1; step <= 6; step++) {
                assertEquals(null, warn.afterStep(step), "a warning never stops the run");
            }
        } finally {
            System.setErr(err);
        }
        assertEquals(4, warn.generalCurve().size());
        assertEquals(List.of(0L, 2L, 4L, 6L), warn.domainCurve().stream().map(PerplexityMonitor.Point::step).toList());
        assertEquals(Math.exp(3.0), warn.domainCurve().get(3).perplexity(), 1e-9);
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(log.contains("general loss 2.3000 at step 4"), log);
        assertEquals(1, log.lines().filter(l -> l.contains("forgetting guard")).count(), "warns once: " + log);

        Iterator<Double> g2 = List.of(2.0, 2.1, 2.5).iterator();
        PerplexityMonitor stop = new PerplexityMonitor(g2::next, () -> 1.0, 1, 0.2, PerplexityMonitor.GuardAction.STOP);
        assertEquals(null, stop.evaluate(0));
        assertEquals(null, stop.afterStep(1), "within the margin");
        String reason = stop.afterStep(2);
        assertTrue(reason != null && reason.contains("general loss 2.5000 at step 2"), reason);
        assertEquals(3, stop.generalCurve().size(), "the evaluation that fired is recorded");
        assertThrows(IllegalArgumentException.class, () -> new PerplexityMonitor(() -> 0, () -> 0, 0, 0.1,
                PerplexityMonitor.GuardAction.OFF));
        assertEquals(PerplexityMonitor.GuardAction.STOP, PerplexityMonitor.GuardAction.parse("stop"));
        assertThrows(IllegalArgumentException.class, () -> PerplexityMonitor.GuardAction.parse("STOP"));
    }

    @Test
    void dl4jRunResumedFromACheckpointMatchesAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        List<DataSet> data = batches(6, 9);
        MultiLayerNetwork straight = mlp();
        for (DataSet b : data) {
            straight.fit(b);
        }
        MultiLayerNetwork first = mlp();
        Path ckpt = tmp.resolve("ckpt");
        first.setListeners(CheckpointListener.dl4j(ckpt, 3));
        for (DataSet b : data.subList(0, 4)) { // runs past the checkpoint: the 4th step must not be in it
            first.fit(b);
        }
        assertEquals(3, CheckpointListener.step(ckpt));
        MultiLayerNetwork resumed = CheckpointListener.restoreMultiLayerNetwork(ckpt);
        for (DataSet b : data.subList(3, 6)) {
            resumed.fit(b);
        }
        assertEquals(straight.params(), resumed.params());
        assertEquals(straight.getUpdater().getStateViewArray(), resumed.getUpdater().getStateViewArray());
    }

    @Test
    void corruptOrMissingCheckpointsAreNamed(@TempDir Path tmp) throws Exception {
        Path ckpt = tmp.resolve("ckpt");
        assertEquals(-1, CheckpointListener.step(ckpt));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> CheckpointListener.restoreComputationGraph(ckpt));
        assertTrue(e.getMessage().contains("no checkpoint"), e.getMessage());
        Files.createDirectories(ckpt);
        Files.writeString(ckpt.resolve(CheckpointListener.STEP_FILE), "three");
        e = assertThrows(java.io.IOException.class, () -> CheckpointListener.step(ckpt));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        Files.writeString(ckpt.resolve(CheckpointListener.STEP_FILE), "3");
        Files.write(ckpt.resolve(CheckpointListener.DL4J_FILE), new byte[]{1, 2, 3});
        e = assertThrows(java.io.IOException.class, () -> CheckpointListener.restoreComputationGraph(ckpt));
        assertTrue(e.getMessage().contains("could not be read"), e.getMessage());
    }
}
