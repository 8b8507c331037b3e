package io.adept4j.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;

/**
 * A plain, loop-based forward pass written with ND4J array ops only, independent of the SameDiff graph: the textbook
 * formulas of RMSNorm, rotary embedding (rotate-half), grouped-query attention by repeating key/value heads, causal
 * softmax, and SwiGLU. Used to check the graph's logits.
 */
public final class ReferenceForward {

    private ReferenceForward() {
    }

    /** Logits {@code [T, V]} for one sequence of ids, in double precision. */
    public static INDArray logits(LmConfig c, Map<String, INDArray> w, int[] ids) {
        int t = ids.length;
        int d = c.hiddenSize();
        int hd = c.headDim();
        INDArray emb = w.get(LlamaLayout.EMBED).castTo(DataType.DOUBLE);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, t, d);
        for (int p = 0; p < t; p++) {
            x.putRow(p, emb.getRow(ids[p]));
        }
        for (int i = 0; i < c.numLayers(); i++) {
            INDArray h = rms(x, w.get(LlamaLayout.inputNorm(i)), c.rmsNormEps());
            INDArray q = lin(h, w, LlamaLayout.q(i), c);
            INDArray k = lin(h, w, LlamaLayout.k(i), c);
            INDArray v = lin(h, w, LlamaLayout.v(i), c);
            INDArray out = Nd4j.zeros(DataType.DOUBLE, t, c.qWidth());
            int rep = c.numHeads() / c.numKvHeads();
            for (int head = 0; head < c.numHeads(); head++) {
                int kvHead = head / rep; // HF repeat_kv: query head h reads kv head h / rep
                INDArray qh = q.get(NDArrayIndex.all(), NDArrayIndex.interval(head * hd, (head + 1) * hd)).dup();
                INDArray kh = k.get(NDArrayIndex.all(), NDArrayIndex.interval(kvHead * hd, (kvHead + 1) * hd)).dup();
                INDArray vh = v.get(NDArrayIndex.all(), NDArrayIndex.interval(kvHead * hd, (kvHead + 1) * hd)).dup();
                if (c.qkNorm()) {
                    qh = rms(qh, w.get(LlamaLayout.qNorm(i)), c.rmsNormEps());
                    kh = rms(kh, w.get(LlamaLayout.kNorm(i)), c.rmsNormEps());
                }
                double[] freq = frequencies(c);
                qh = rope(qh, freq);
                kh = rope(kh, freq);
                INDArray scores = qh.mmul(kh.transpose()).divi(Math.sqrt(hd));
                for (int a = 0; a < t; a++) {
                    for (int b = a + 1; b < t; b++) {
                        scores.putScalar(a, b, Double.NEGATIVE_INFINITY);
                    }
                }
                INDArray probs = softmaxRows(scores);
                out.get(NDArrayIndex.all(), NDArrayIndex.interval(head * hd, (head + 1) * hd)).assign(probs.mmul(vh));
            }
            x = x.add(lin(out, w, LlamaLayout.o(i), c));
            INDArray h2 = rms(x, w.get(LlamaLayout.postAttentionNorm(i)), c.rmsNormEps());
            INDArray g = lin(h2, w, LlamaLayout.gate(i), c);
            INDArray u = lin(h2, w, LlamaLayout.up(i), c);
            INDArray act = g.mul(Transforms.sigmoid(g, true)).mul(u);
            x = x.add(lin(act, w, LlamaLayout.down(i), c));
        }
        INDArray h = rms(x, w.get(LlamaLayout.FINAL_NORM), c.rmsNormEps());
        INDArray head = w.get(c.tieEmbeddings() ? LlamaLayout.EMBED : LlamaLayout.LM_HEAD).castTo(DataType.DOUBLE);
        return h.mmul(head.transpose());
    }

    static INDArray lin(INDArray x, Map<String, INDArray> w, String name, LmConfig c) {
        INDArray y = x.mmul(w.get(name).castTo(DataType.DOUBLE).transpose());
        INDArray b = w.get(LlamaLayout.bias(name));
        if (c.attentionBias() && b != null) {
            y.addiRowVector(b.castTo(DataType.DOUBLE));
        }
        return y;
    }

    static INDArray rms(INDArray x, INDArray weight, double eps) {
        INDArray out = x.dup();
        for (int r = 0; r < x.rows(); r++) {
            INDArray row = x.getRow(r);
            double ms = row.mul(row).meanNumber().doubleValue();
            out.putRow(r, row.div(Math.sqrt(ms + eps)).mul(weight.castTo(DataType.DOUBLE)));
        }
        return out;
    }

    /**
     * Rotary frequencies per dimension pair as transformers computes them: {@code θ^(−2j/d)}, then divided by the factor
     * for linear scaling; for llama3 scaling divided by the factor when the wavelength exceeds
     * {@code original/low_freq_factor}, kept when it is under {@code original/high_freq_factor}, interpolated between.
     */
    static double[] frequencies(LmConfig c) {
        int hd = c.headDim();
        double[] f = new double[hd / 2];
        RopeScaling s = c.ropeScaling();
        for (int j = 0; j < f.length; j++) {
            double base = Math.pow(c.ropeTheta(), -(2.0 * j) / hd);
            if (s == null) {
                f[j] = base;
            } else if (s.type().equals("linear")) {
                f[j] = base / s.factor();
            } else {
                double wavelength = 2 * Math.PI / base;
                double ratio = s.originalMaxPositionEmbeddings() / wavelength; // cycles within the original context
                if (ratio < s.lowFreqFactor()) {
                    f[j] = base / s.factor();
                } else if (ratio > s.highFreqFactor()) {
                    f[j] = base;
                } else {
                    double mix = (ratio - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                    f[j] = mix * base + (1 - mix) * base / s.factor();
                }
            }
        }
        return f;
    }

    /** Rotary embedding with rotate-half, written element by element. */
    static INDArray rope(INDArray x, double[] freq) {
        int t = x.rows();
        int hd = x.columns();
        int half = hd / 2;
        INDArray out = x.dup();
        for (int p = 0; p < t; p++) {
            for (int j = 0; j < half; j++) {
                double ang = p * freq[j];
                double a = x.getDouble(p, j);
                double b = x.getDouble(p, j + half);
                out.putScalar(p, j, a * Math.cos(ang) - b * Math.sin(ang));
                out.putScalar(p, j + half, b * Math.cos(ang) + a * Math.sin(ang));
            }
        }
        return out;
    }

    static INDArray softmaxRows(INDArray s) {
        INDArray out = s.dup();
        for (int r = 0; r < s.rows(); r++) {
            INDArray row = s.getRow(r);
            double max = row.maxNumber().doubleValue();
            INDArray e = Transforms.exp(row.sub(max), false);
            out.putRow(r, e.div(e.sumNumber().doubleValue()));
        }
        return out;
    }
}
