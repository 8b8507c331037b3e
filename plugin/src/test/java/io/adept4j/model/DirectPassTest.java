package io.adept4j.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct pass computes the function the SameDiff graph defines: forward outputs, residual streams, losses and the
 * gradients of any subset of tensors agree to double-precision rounding, for every architecture switch (grouped-query
 * attention, q/k norms, biases, tied and untied heads, LoRA adapters). The graph itself is checked against a plain
 * reference forward and central differences in {@link CausalLmTest}, which runs on the default (direct) pass too.
 */
class DirectPassTest {

    private static final double TOLERANCE = 1e-10;
    private static final int T = 6;

    static List<LmConfig> configs() {
        LmConfig everything = CausalLmTest.tinyConfig(23, 3);
        LmConfig plainTied = new LmConfig(19, 12, 3, 3, 3, 4, 20, 8, 500.0, 1e-6, true, false, false, null);
        LmConfig lora = plainTied.withLora(new LoraAdapters(2, 4, LoraAdapters.MODULES));
        return List.of(everything, plainTied, lora);
    }

    static DataSet batch(LmConfig c, int t, long seed) {
        Random r = new Random(seed);
        int[][] ids = new int[2][t];
        int[][] next = new int[2][t];
        double[][] mask = new double[2][t];
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < t; i++) {
                ids[b][i] = r.nextInt(c.vocabSize());
                next[b][i] = r.nextInt(c.vocabSize());
                mask[b][i] = (b == 1 && i < 2) ? 0 : 1;
            }
        }
        return new DataSet(Nd4j.createFromArray(ids), Nd4j.createFromArray(next), null, Nd4j.createFromArray(mask));
    }

    private static Map<String, INDArray> weightsWithLiveAdapters(LmConfig c, long seed) {
        Map<String, INDArray> w = CausalLmTest.randomWeights(c, seed);
        Random r = new Random(seed + 7);
        for (Map.Entry<String, INDArray> e : w.entrySet()) {
            if (LoraAdapters.isAdapter(e.getKey())) { // B starts at zero: give it values so its path is exercised
                INDArray a = e.getValue();
                for (long i = 0; i < a.length(); i++) {
                    a.putScalar(i, 0.2 * r.nextGaussian());
                }
            }
        }
        return w;
    }

    /** A double-precision model of {@code c} for windows of {@link #T} tokens, every adapter live. */
    private static CausalLm model(LmConfig c, long seed) {
        return CausalLm.build(c, weightsWithLiveAdapters(c, seed), T, DataType.DOUBLE);
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return Nd4j.math().abs(a.sub(b)).maxNumber().doubleValue();
    }

    @Test
    void gradientsOfAnySubsetEqualTheGraphs() {
        for (LmConfig c : configs()) {
            CausalLm lm = model(c, 3);
            DataSet batch = batch(c, T, 5);
            List<String> all = new ArrayList<>(lm.weights().keySet());
            List<String> upper = new ArrayList<>(LlamaLayout.blockTensors(c, 2).keySet());
            List<String> middle = new ArrayList<>(LlamaLayout.blockTensors(c, 1).keySet());
            List<String> middleAndTop = new ArrayList<>(middle);
            middleAndTop.addAll(LlamaLayout.blockTensors(c, 2).keySet());
            List<String> someOfOne = List.of(LlamaLayout.down(1), LlamaLayout.inputNorm(1), LlamaLayout.k(1));
            List<String> normOnly = List.of(LlamaLayout.FINAL_NORM);
            CausalLm.LossAndGradients everything = lm.using(CausalLm.Pass.DIRECT).lossAndGradients(batch, all);
            for (List<String> asked : List.of(all, upper, middle, middleAndTop, someOfOne, normOnly)) {
                CausalLm.LossAndGradients graph = lm.using(CausalLm.Pass.SAMEDIFF).lossAndGradients(batch, asked);
                CausalLm.LossAndGradients direct = lm.using(CausalLm.Pass.DIRECT).lossAndGradients(batch, asked);
                String what = c + " asked " + asked.size() + " tensors";
                assertEquals(graph.loss(), direct.loss(), TOLERANCE, what);
                assertEquals(asked, new ArrayList<>(direct.gradients().keySet()), what);
                for (String name : asked) {
                    INDArray g = graph.gradients().get(name);
                    INDArray d = direct.gradients().get(name);
                    assertNotNull(d, name);
                    assertEquals(java.util.Arrays.toString(g.shape()), java.util.Arrays.toString(d.shape()), name);
                    double scale = Math.max(1, g.amaxNumber().doubleValue());
                    assertTrue(maxDiff(g, d) <= TOLERANCE * scale, what + ": " + name + " max |Δ| " + maxDiff(g, d));
                    // a frozen-everything-else step gets exactly the gradients the unfrozen model has
                    assertTrue(maxDiff(everything.gradients().get(name), d) <= TOLERANCE * scale, what + ": " + name
                            + " differs from its gradient when every tensor is asked");
                    if (!LoraAdapters.isAdapter(name) || c.lora() != null) {
                        assertTrue(d.amaxNumber().doubleValue() > 0, name + " has a gradient");
                    }
                }
            }
        }
    }

    @Test
    void forwardOutputsAndStreamsEqualTheGraphs() {
        for (LmConfig c : configs()) {
            CausalLm lm = model(c, 9);
            DataSet batch = batch(c, T, 11);
            INDArray ids = batch.getFeatures();
            CausalLm.Streams graph = lm.using(CausalLm.Pass.SAMEDIFF).residualStreams(ids);
            CausalLm.Streams direct = lm.using(CausalLm.Pass.DIRECT).residualStreams(ids);
            for (int l = 0; l < graph.residuals().length; l++) {
                assertTrue(maxDiff(graph.residuals()[l], direct.residuals()[l]) < TOLERANCE, c + " stream " + l);
            }
            assertTrue(maxDiff(graph.hidden(), direct.hidden()) < TOLERANCE);
            assertTrue(maxDiff(lm.using(CausalLm.Pass.SAMEDIFF).hidden(ids), lm.using(CausalLm.Pass.DIRECT).hidden(ids))
                    < TOLERANCE);
            double g = lm.using(CausalLm.Pass.SAMEDIFF).evaluateFromResidual(graph.residuals()[1], batch).loss();
            double d = lm.using(CausalLm.Pass.DIRECT).evaluateFromResidual(graph.residuals()[1], batch).loss();
            assertEquals(g, d, TOLERANCE);
        }
    }

    @Test
    void theDefaultPassIsTheDirectOneAndABadNameIsRefused() {
        assertEquals(CausalLm.Pass.DIRECT, CausalLm.Pass.configured());
        assertEquals(CausalLm.Pass.SAMEDIFF, CausalLm.Pass.parse(" SameDiff "));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CausalLm.Pass.parse("fast"));
        assertTrue(e.getMessage().contains("-Dadept4j.pass must be direct or samediff"), e.getMessage());
    }
}
