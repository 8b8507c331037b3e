package io.adept4j.model;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several threads per step ({@link CausalLm#defaultThreads}) compute the batch's loss and gradients, not an
 * approximation: the batch mean formed from token-weighted shard means equals the unsharded one to rounding, and a
 * shard count gives the same bits on every run.
 */
class BatchShardsTest {

    private static final int T = 6;
    private static final int ROWS = 5; // odd: shards of unequal size, so the token weighting matters

    @AfterEach
    void restoreDefault() {
        CausalLm.defaultThreads(CausalLm.DEFAULT_THREADS);
    }

    /** Ids, next ids and a mask with whole masked stretches, so shards hold different token counts. */
    private static DataSet batch(LmConfig c, long seed, int maskedRows) {
        Random r = new Random(seed);
        int[][] ids = new int[ROWS][T];
        int[][] next = new int[ROWS][T];
        double[][] mask = new double[ROWS][T];
        for (int b = 0; b < ROWS; b++) {
            for (int i = 0; i < T; i++) {
                ids[b][i] = r.nextInt(c.vocabSize());
                next[b][i] = r.nextInt(c.vocabSize());
                mask[b][i] = b >= ROWS - maskedRows || (b == 0 && i < 4) ? 0 : 1;
            }
        }
        return new DataSet(Nd4j.createFromArray(ids), Nd4j.createFromArray(next), null, Nd4j.createFromArray(mask));
    }

    private static CausalLm.LossAndGradients run(CausalLm lm, DataSet batch, List<String> tensors, int threads) {
        CausalLm.defaultThreads(threads);
        return lm.lossAndGradients(batch, tensors);
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return Nd4j.math().abs(a.sub(b)).maxNumber().doubleValue();
    }

    @Test
    void shardedLossAndGradientsEqualTheWholeBatchs() {
        LmConfig c = CausalLmTest.tinyConfig(23, 3);
        CausalLm lm = CausalLm.build(c, CausalLmTest.randomWeights(c, 3), T, DataType.DOUBLE);
        DataSet batch = batch(c, 5, 0);
        List<String> all = new ArrayList<>(lm.weights().keySet());
        CausalLm.LossAndGradients whole = run(lm, batch, all, 1);
        CausalLm.Streams streams = lm.residualStreams(batch.getFeatures());
        double fromBlock1 = lm.evaluateFromResidual(streams.residuals()[1], batch).loss(); // what the probe evaluates
        INDArray logits = lm.logits(batch.getFeatures());
        for (int threads : new int[]{2, 3, 8}) { // 8 > rows: one row per shard
            CausalLm.LossAndGradients sharded = run(lm, batch, all, threads);
            assertEquals(whole.tokens(), sharded.tokens(), "tokens, " + threads + " threads");
            assertEquals(whole.loss(), sharded.loss(), 1e-12, "loss, " + threads + " threads");
            for (String name : all) {
                double scale = whole.gradients().get(name).norm2Number().doubleValue();
                double d = maxDiff(whole.gradients().get(name), sharded.gradients().get(name));
                assertTrue(d <= 1e-12 * scale, name + ", " + threads + " threads: " + d + " of " + scale);
            }
            CausalLm.defaultThreads(threads);
            assertEquals(whole.loss(), lm.evaluate(batch).loss(), 1e-12, "forward loss, " + threads + " threads");
            assertEquals(fromBlock1, lm.evaluateFromResidual(streams.residuals()[1], batch).loss(), 1e-12,
                    "loss from block 1's residual, " + threads + " threads");
            CausalLm.Streams shardedStreams = lm.residualStreams(batch.getFeatures());
            for (int l = 0; l < streams.residuals().length; l++) {
                assertTrue(maxDiff(streams.residuals()[l], shardedStreams.residuals()[l]) < 1e-12, "stream " + l);
            }
            assertTrue(maxDiff(logits, lm.logits(batch.getFeatures())) < 1e-12, "logits, " + threads + " threads");
        }
    }

    @Test
    void aShardCountGivesTheSameBitsEveryRun() {
        LmConfig c = CausalLmTest.tinyConfig(23, 3);
        CausalLm lm = CausalLm.build(c, CausalLmTest.randomWeights(c, 4), T, DataType.FLOAT);
        DataSet batch = batch(c, 6, 0);
        List<String> upper = new ArrayList<>(LlamaLayout.blockTensors(c, 2).keySet());
        CausalLm.LossAndGradients first = run(lm, batch, upper, 2);
        for (int i = 0; i < 5; i++) {
            CausalLm.LossAndGradients again = run(lm, batch, upper, 2);
            assertEquals(first.loss(), again.loss(), 0.0);
            for (Map.Entry<String, INDArray> e : first.gradients().entrySet()) {
                assertArrayEquals(e.getValue().data().asFloat(), again.gradients().get(e.getKey()).data().asFloat(),
                        0f, e.getKey());
            }
        }
    }

    @Test
    void aShardWithNothingToPredictFallsBackToTheWholeBatch() {
        LmConfig c = CausalLmTest.tinyConfig(23, 3);
        CausalLm lm = CausalLm.build(c, CausalLmTest.randomWeights(c, 5), T, DataType.FLOAT);
        DataSet batch = batch(c, 7, 3); // rows 2-4 are padding: the second of two shards (rows 2-4) has no token
        List<String> all = new ArrayList<>(lm.weights().keySet());
        CausalLm.LossAndGradients whole = run(lm, batch, all, 1);
        CausalLm.LossAndGradients two = run(lm, batch, all, 2);
        assertEquals(whole.loss(), two.loss(), 0.0, "computed unsharded: the same bits");
        for (String name : all) {
            assertArrayEquals(whole.gradients().get(name).data().asFloat(), two.gradients().get(name).data().asFloat(),
                    0f, name);
        }
    }

    @Test
    void aThreadCountBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CausalLm.defaultThreads(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }
}
