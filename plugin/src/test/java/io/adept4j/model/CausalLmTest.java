package io.adept4j.model;

import io.adept4j.datavec.tokenize.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CausalLmTest {

    /** Every switch on: GQA (4 query heads on 2 kv heads), q/k norms, biases, untied head. */
    static LmConfig tinyConfig(int vocab, int layers) {
        return new LmConfig(vocab, 16, layers, 4, 2, 4, 24, 16, 10000.0, 1e-5, false, true, true, null);
    }

    /** Weights with non-trivial norms and biases, so a wrong formula cannot hide behind ones and zeros. */
    static Map<String, INDArray> randomWeights(LmConfig c, long seed) {
        Map<String, INDArray> w = CausalLm.initWeights(c, seed);
        Random r = new Random(seed + 1);
        for (Map.Entry<String, INDArray> e : w.entrySet()) {
            if (LlamaLayout.isNorm(e.getKey()) || e.getKey().endsWith(".bias")) {
                INDArray a = e.getValue();
                for (long i = 0; i < a.length(); i++) {
                    a.putScalar(i, (LlamaLayout.isNorm(e.getKey()) ? 1 : 0) + 0.3 * r.nextGaussian());
                }
            } else {
                e.getValue().muli(10); // larger weights make attention non-uniform
            }
        }
        return w;
    }

    @Test
    void logitsMatchThePlainReferenceForward() {
        LmConfig c = tinyConfig(23, 2);
        Map<String, INDArray> w = randomWeights(c, 3);
        int t = 7;
        CausalLm lm = CausalLm.build(c, w, t, DataType.DOUBLE);
        int[][] ids = {{1, 5, 9, 2, 22, 0, 7}, {3, 3, 3, 14, 8, 19, 1}};
        INDArray logits = lm.logits(Nd4j.createFromArray(ids));
        assertEquals(3, logits.rank());
        for (int b = 0; b < ids.length; b++) {
            INDArray ref = ReferenceForward.logits(c, w, ids[b]);
            INDArray got = logits.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all());
            double diff = Nd4j.math().abs(got.sub(ref)).maxNumber().doubleValue();
            assertTrue(diff < 1e-9, "max |logit diff| " + diff);
            assertTrue(ref.stdNumber().doubleValue() > 0.1, "reference logits are not trivially flat");
        }
    }

    @Test
    void standardMultiHeadAndTiedHeadAlsoMatch() {
        LmConfig c = new LmConfig(19, 12, 1, 3, 3, 4, 20, 8, 500.0, 1e-6, true, false, false, null);
        Map<String, INDArray> w = randomWeights(c, 5);
        CausalLm lm = CausalLm.build(c, w, 6, DataType.DOUBLE);
        int[] ids = {4, 18, 0, 0, 9, 2};
        INDArray got = lm.logits(Nd4j.createFromArray(new int[][]{ids})).slice(0);
        double diff = Nd4j.math().abs(got.sub(ReferenceForward.logits(c, w, ids))).maxNumber().doubleValue();
        assertTrue(diff < 1e-9, "max |logit diff| " + diff);
    }

    @Test
    void changingTokenTLeavesEarlierOutputsIdentical() {
        LmConfig c = tinyConfig(31, 2);
        CausalLm lm = CausalLm.build(c, randomWeights(c, 9), 12, DataType.FLOAT);
        int[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        int[] b = a.clone();
        b[6] = 30;
        INDArray la = lm.logits(Nd4j.createFromArray(new int[][]{a}));
        INDArray lb = lm.logits(Nd4j.createFromArray(new int[][]{b}));
        INDArray before = la.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 6), NDArrayIndex.all());
        assertEquals(before, lb.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 6), NDArrayIndex.all()),
                "positions 0..5 must be bit-identical");
        double after = Nd4j.math().abs(la.get(NDArrayIndex.all(), NDArrayIndex.interval(6, 12), NDArrayIndex.all())
                .sub(lb.get(NDArrayIndex.all(), NDArrayIndex.interval(6, 12), NDArrayIndex.all()))).maxNumber().doubleValue();
        assertTrue(after > 1e-3, "positions 6.. must change, max diff " + after);
    }

    @Test
    void numericalGradientCheckPassesForEveryTensor() {
        // Central differences in double precision against SameDiff's gradients (plus the embedding's segment-sum
        // gradient), for sampled elements of every tensor. Ids repeat, so a gather-style "assign" gradient would fail.
        for (boolean tied : new boolean[]{false, true}) {
            LmConfig c = new LmConfig(11, 8, 2, 2, 1, 4, 12, 5, 10000.0, 1e-5, tied, true, true, null);
            Map<String, INDArray> w = randomWeights(c, 11);
            CausalLm lm = CausalLm.build(c, w, 5, DataType.DOUBLE);
            org.nd4j.linalg.dataset.DataSet batch = new org.nd4j.linalg.dataset.DataSet(
                    Nd4j.createFromArray(new int[][]{{1, 3, 3, 7, 10}, {0, 2, 9, 9, 3}}),
                    Nd4j.createFromArray(new int[][]{{3, 3, 7, 10, 1}, {2, 9, 9, 4, 5}}), null,
                    Nd4j.createFromArray(new double[][]{{0, 1, 1, 1, 1}, {1, 1, 1, 0, 0}}));
            Map<String, INDArray> params = lm.weights();
            CausalLm.LossAndGradients lg = lm.lossAndGradients(batch, params.keySet());
            assertEquals(lm.loss(batch), lg.loss(), 1e-12);
            assertEquals(params.keySet(), lg.gradients().keySet());
            Random r = new Random(1);
            int checked = 0;
            double eps = 1e-6;
            java.util.List<String> failures = new java.util.ArrayList<>();
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                INDArray p = e.getValue();
                INDArray g = lg.gradients().get(e.getKey());
                assertEquals(java.util.Arrays.toString(p.shape()), java.util.Arrays.toString(g.shape()), e.getKey());
                long[] idxs = e.getKey().equals(LlamaLayout.EMBED)
                        ? new long[]{3 * 8 + 1, 9 * 8 + 5, 2 * 8, 6 * 8 + 2} // ids 3 and 9 repeat; id 6 never occurs
                        : r.longs(Math.min(6, p.length()), 0, p.length()).toArray();
                for (long i : idxs) {
                    double orig = p.getDouble(i);
                    p.putScalar(i, orig + eps);
                    double plus = lm.loss(batch);
                    p.putScalar(i, orig - eps);
                    double minus = lm.loss(batch);
                    p.putScalar(i, orig);
                    double numeric = (plus - minus) / (2 * eps);
                    double analytic = g.getDouble(i);
                    double err = Math.abs(numeric - analytic) / Math.max(1e-8, Math.abs(numeric) + Math.abs(analytic));
                    if (!(err < 1e-5 || Math.abs(numeric - analytic) < 1e-9)) {
                        failures.add((tied ? "tied " : "") + e.getKey() + "[" + i + "]: analytic " + analytic
                                + " vs numeric " + numeric);
                    }
                    checked++;
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " failed:\n" + String.join("\n", failures));
            assertTrue(checked > 100, "checked " + checked);
            double row6 = lg.gradients().get(LlamaLayout.EMBED).getRow(6).norm2Number().doubleValue();
            if (tied) {
                // the head's gradient reaches every row of a tied matrix (its element 6*8+2 was checked numerically above)
                assertTrue(row6 > 0, "tied: an id never seen as input still gets the head's gradient");
            } else {
                assertEquals(0.0, row6, 0.0, "an id that never occurs gets lookup gradient exactly 0");
            }
        }
    }

    @Test
    void upperBlockGradientsFromTheTailGraphEqualTheFullGraphs() {
        // Asking only for tensors of blocks >= 2 runs the tail graph (blocks 2..3 on the residual entering block 2);
        // asking with the final norm included runs the whole graph. Both must give the same gradients, and the tail
        // must see in-place updates of the model's arrays.
        LmConfig c = tinyConfig(23, 4);
        CausalLm lm = CausalLm.build(c, randomWeights(c, 5), 6, DataType.DOUBLE);
        org.nd4j.linalg.dataset.DataSet batch = new org.nd4j.linalg.dataset.DataSet(
                Nd4j.createFromArray(new int[][]{{1, 5, 9, 2, 22, 0}, {3, 3, 14, 8, 19, 1}}),
                Nd4j.createFromArray(new int[][]{{5, 9, 2, 22, 0, 4}, {3, 14, 8, 19, 1, 2}}), null,
                Nd4j.ones(DataType.DOUBLE, 2, 6));
        java.util.List<String> upper = new java.util.ArrayList<>(LlamaLayout.blockTensors(c, 2).keySet());
        upper.addAll(LlamaLayout.blockTensors(c, 3).keySet());
        for (int round = 0; round < 2; round++) {
            CausalLm.LossAndGradients tail = lm.lossAndGradients(batch, upper);
            java.util.List<String> withNorm = new java.util.ArrayList<>(upper);
            withNorm.add(LlamaLayout.FINAL_NORM);
            CausalLm.LossAndGradients full = lm.lossAndGradients(batch, withNorm);
            assertEquals(full.loss(), tail.loss(), 1e-12, "round " + round + ", plain loss " + lm.loss(batch));
            assertEquals(upper.size(), tail.gradients().size());
            for (String t : upper) {
                double diff = Nd4j.math().abs(tail.gradients().get(t).sub(full.gradients().get(t))).maxNumber().doubleValue();
                assertTrue(diff < 1e-10, t + ": max |Δgrad| " + diff);
                assertTrue(full.gradients().get(t).norm2Number().doubleValue() > 0, t + " has a gradient");
            }
            lm.tensor(LlamaLayout.down(3)).addi(0.05); // in place, as the optimizer does
            lm.tensor(LlamaLayout.q(1)).addi(0.05);    // below the tail: changes its input residual
        }
    }

    @Test
    void lossIsTheMaskedMeanOfTokenLosses() {
        LmConfig c = tinyConfig(13, 1);
        CausalLm lm = CausalLm.build(c, randomWeights(c, 2), 4, DataType.DOUBLE);
        INDArray ids = Nd4j.createFromArray(new int[][]{{1, 2, 3, 4}});
        INDArray labels = Nd4j.createFromArray(new int[][]{{2, 3, 4, 5}});
        INDArray mask = Nd4j.createFromArray(new double[][]{{1, 0, 1, 0}});
        org.nd4j.linalg.dataset.DataSet ds = new org.nd4j.linalg.dataset.DataSet(ids, labels, null, mask);
        INDArray logits = lm.logits(ids).slice(0);
        double expected = 0;
        int[] lab = {2, 3, 4, 5};
        for (int p : new int[]{0, 2}) {
            INDArray row = logits.getRow(p);
            double max = row.maxNumber().doubleValue();
            double lse = max + Math.log(org.nd4j.linalg.ops.transforms.Transforms.exp(row.sub(max)).sumNumber().doubleValue());
            expected += lse - row.getDouble(lab[p]);
        }
        assertEquals(expected / 2, lm.loss(ds), 1e-9);
    }

    @Test
    void impossibleConfigsAreRefusedBeforeBuilding() {
        TokenizerSpec bpe = new TokenizerSpec("bpe", 300, Map.of(TokenizerSpec.END_OF_TEXT, 299));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LmConfig.of(bpe, 30, 2, 4, 2, 64));
        assertTrue(e.getMessage().contains("divisible by numHeads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LmConfig.of(bpe, 32, 2, 4, 3, 64));
        assertTrue(e.getMessage().contains("must divide numHeads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new LmConfig(301, 32, 2, 4, 2, 8, 64, 64, 1e4, 1e-5, true, false, false, bpe));
        assertTrue(e.getMessage().contains("does not match the tokenizer"), e.getMessage());
        LmConfig ok = LmConfig.of(bpe, 32, 2, 4, 2, 64);
        e = assertThrows(IllegalArgumentException.class,
                () -> CausalLm.build(ok, CausalLm.initWeights(ok, 1), 65, DataType.FLOAT));
        assertTrue(e.getMessage().contains("rotary table"), e.getMessage());
        Map<String, INDArray> missing = CausalLm.initWeights(ok, 1);
        missing.remove(LlamaLayout.down(1));
        e = assertThrows(IllegalArgumentException.class, () -> CausalLm.build(ok, missing, 8, DataType.FLOAT));
        assertTrue(e.getMessage().contains("down_proj"), e.getMessage());
    }
}
