package io.adept4j.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The head's masked cross-entropy and its gradients against a plain double-precision computation. */
class LmHeadTest {

    @Test
    void lossAndGradientsMatchADoublePrecisionReference() {
        int n = 6;
        int d = 5;
        int v = 11;
        Nd4j.getRandom().setSeed(3);
        INDArray h = Nd4j.randn(DataType.FLOAT, n, d);
        INDArray w = Nd4j.randn(DataType.FLOAT, v, d);
        int[] labels = {0, 3, 10, 7, 7, 2};
        float[] mask = {1, 1, 0, 1, 1, 0.5f};
        LmHead.Result r = LmHead.crossEntropy(h, w, labels, mask, true, true);

        double[][] hd = h.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] wd = w.castTo(DataType.DOUBLE).toDoubleMatrix();
        double count = 0;
        double lossSum = 0;
        double[][] dz = new double[n][v];
        for (int i = 0; i < n; i++) {
            count += mask[i];
        }
        for (int i = 0; i < n; i++) {
            double[] z = new double[v];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                for (int k = 0; k < d; k++) {
                    z[j] += hd[i][k] * wd[j][k];
                }
                max = Math.max(max, z[j]);
            }
            double sum = 0;
            for (int j = 0; j < v; j++) {
                sum += Math.exp(z[j] - max);
            }
            lossSum += mask[i] * (max + Math.log(sum) - z[labels[i]]);
            for (int j = 0; j < v; j++) {
                dz[i][j] = mask[i] / count * (Math.exp(z[j] - max) / sum - (j == labels[i] ? 1 : 0));
            }
        }
        assertEquals(lossSum / count, r.loss(), 1e-5);
        assertEquals(count, r.tokens(), 0.0);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                double want = 0;
                for (int j = 0; j < v; j++) {
                    want += dz[i][j] * wd[j][k];
                }
                assertEquals(want, r.dHidden().getDouble(i, k), 1e-5, "dHidden[" + i + "," + k + "]");
            }
        }
        for (int j = 0; j < v; j++) {
            for (int k = 0; k < d; k++) {
                double want = 0;
                for (int i = 0; i < n; i++) {
                    want += dz[i][j] * hd[i][k];
                }
                assertEquals(want, r.dWeight().getDouble(j, k), 1e-5, "dWeight[" + j + "," + k + "]");
            }
        }
    }

    @Test
    void aLabelWhoseProbabilityUnderflowsStillGetsItsExactLoss() {
        // logits 0 for every token but the label's, −200: softmax gives e^−200, 0 in float
        INDArray h = Nd4j.ones(DataType.FLOAT, 1, 1);
        INDArray w = Nd4j.zeros(DataType.FLOAT, 4, 1);
        w.putScalar(2, 0, -200f);
        LmHead.Result r = LmHead.crossEntropy(h, w, new int[]{2}, new float[]{1}, false, false);
        assertEquals(200 + Math.log(3 + Math.exp(-200)), r.loss(), 1e-4);
        assertNull(r.dHidden());
    }

    @Test
    void blocksOfRowsGiveTheWholeBatchsLossAndHiddenGradient() {
        // more rows than one block, the last block partial, masked and half-weighted rows in several blocks
        int v = 4096;
        int rows = LmHead.blockRows(v);
        int n = 2 * rows + 37;
        int d = 6;
        Nd4j.getRandom().setSeed(11);
        INDArray h = Nd4j.randn(DataType.DOUBLE, n, d);
        INDArray w = Nd4j.randn(DataType.DOUBLE, v, d);
        int[] labels = new int[n];
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (i * 97 + 5) % v;
            mask[i] = i % 7 == 3 ? 0 : i % 5 == 1 ? 0.5f : 1;
        }
        LmHead.Result whole = LmHead.crossEntropy(h, w, labels, mask, true, true);   // the weight gradient: one block
        LmHead.Result blocks = LmHead.crossEntropy(h, w, labels, mask, true, false);
        LmHead.Result lossOnly = LmHead.crossEntropy(h, w, labels, mask, false, false);
        assertEquals(whole.loss(), blocks.loss(), 1e-12);
        assertEquals(whole.loss(), lossOnly.loss(), 1e-12);
        assertEquals(whole.tokens(), blocks.tokens(), 0.0);
        assertNull(blocks.dWeight());
        double norm = whole.dHidden().norm2Number().doubleValue();
        assertEquals(0, whole.dHidden().sub(blocks.dHidden()).norm2Number().doubleValue() / norm, 1e-12,
                "dHidden from blocks of rows against the whole batch's");
    }
}
