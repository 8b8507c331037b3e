package io.adept4j.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * The language-model head and its masked cross-entropy, computed with plain ND4J calls outside the SameDiff graph.
 *
 * <p>Why: the head's {@code [N, V]} logits are the largest arrays of the model. In the graph, SameDiff 1.0.0-M2.1
 * allocates a fresh {@code [N, V]} buffer for every intermediate and every gradient (about fifteen per step, most of a
 * step's time went to allocating them), its sparse softmax cross-entropy ignores the incoming gradient, and its
 * log-softmax is slow. Here the work is three GEMMs, one softmax pass per row ({@link Kernels#softmaxRows}) and one
 * scaling pass, in place over one buffer (a max, subtract, exp, sum and divide chain of separate passes took twice as
 * long). When the head's weight gradient is not needed (evaluation, and every step that leaves the head frozen), the
 * logits are formed a block of rows at a time ({@link #blockRows}) and never as a whole.
 *
 * <p>Loss: mean over unmasked positions of {@code logsumexp(z) − z[label]} with {@code z = h·Wᵀ}. Gradients:
 * {@code dz = (softmax(z) − onehot(label))·mask/count}, {@code dh = dz·W}, {@code dW = dzᵀ·h}.
 */
public final class LmHead {

    /** Smallest softmax probability whose −log is taken from the softmax itself (a normal float, ~1e-7 relative). */
    private static final double MIN_PROBABILITY = 1e-30;

    private LmHead() {
    }

    /** Loss of one batch, with the gradients of the hidden states and (optionally) of the head weight. */
    public record Result(double loss, double tokenLossSum, double tokens, INDArray dHidden, INDArray dWeight) {
    }

    /** Logits {@code [N, V] = hidden [N, d] · weightᵀ}. */
    public static INDArray logits(INDArray hidden, INDArray weight) {
        return Nd4j.gemm(hidden, weight, false, true);
    }

    /**
     * Masked cross-entropy (and its gradients when asked).
     *
     * @param hidden        {@code [N, d]} final hidden states
     * @param weight        {@code [V, d]} head weight (the embedding table when tied)
     * @param labels        {@code N} target ids
     * @param mask          {@code N} weights, 1 = counted, 0 = ignored
     * @param gradients     compute {@code dHidden}
     * @param weightGradient also compute {@code dWeight}
     */
    public static Result crossEntropy(INDArray hidden, INDArray weight, int[] labels, float[] mask, boolean gradients,
                                      boolean weightGradient) {
        int n = labels.length;
        if (hidden.rows() != n || mask.length != n) {
            throw new IllegalArgumentException("hidden rows " + hidden.rows() + ", labels " + n + ", mask " + mask.length
                    + " must agree");
        }
        int v = (int) weight.rows();
        for (int label : labels) {
            if (label < 0 || label >= v) {
                throw new IllegalArgumentException("label id " + label + " is outside the vocabulary [0," + v + ")");
            }
        }
        if (gradients && weightGradient) {
            return wholeBatch(hidden, weight, labels, mask);
        }
        return inBlocks(hidden, weight, labels, mask, gradients);
    }

    /**
     * Rows of logits computed at a time when the head's weight gradient is not needed: about 2 M logits (8 MiB of floats,
     * 256 rows at V = 8,192), at least 64 rows. Why: a batch shard's logits are 32 MiB per 1,024 rows at V = 8,192 and
     * 1 GiB at V = 128,256; a block reused from one set of rows to the next bounds that, and a block written, read by the
     * softmax and read again by the hidden states' gradient while it is still in cache made the d=128 forward pass about
     * 5 % faster (no change at d=256). Not fewer rows: every GEMM call repacks the whole {@code [V, d]} weight, so
     * blocks of 32 rows made the pass 15 % slower.
     */
    static int blockRows(int vocab) {
        return Math.max(64, (1 << 21) / vocab);
    }

    /**
     * The loss, and {@code dHidden} when asked, block by block of {@link #blockRows} rows: each row's logits, softmax and
     * gradient depend on that row alone, and {@code 1/count} is known from the mask before the first block. The same
     * arithmetic per row as {@link #wholeBatch}, hence the same values (each logit is the same dot product whatever the
     * number of rows in the GEMM).
     */
    private static Result inBlocks(INDArray hidden, INDArray weight, int[] labels, float[] mask, boolean gradients) {
        int n = labels.length;
        double count = tokenCount(mask);
        // both written whole by GEMMs with beta 0 before they are read: no zero fill
        INDArray dHidden = gradients ? Nd4j.createUninitialized(hidden.dataType(), n, hidden.columns()) : null;
        int rows = Math.min(n, blockRows((int) weight.rows()));
        INDArray block = Nd4j.createUninitialized(hidden.dataType(), rows, weight.rows());
        double lossSum = 0;
        for (int from = 0; from < n; from += rows) {
            int to = Math.min(n, from + rows);
            INDArray h = hidden.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray z = to - from == rows ? block : block.get(NDArrayIndex.interval(0, to - from), NDArrayIndex.all());
            Nd4j.gemm(h, weight, z, false, true, 1.0, 0.0);
            int[] ls = Arrays.copyOfRange(labels, from, to);
            float[] ms = Arrays.copyOfRange(mask, from, to);
            double[] labelP;
            if (gradients) {
                Kernels.softmaxRows(z);
                labelP = Kernels.valuesAt(z, ls, ms);
            } else {
                labelP = Kernels.softmaxAt(z, ls, ms);
            }
            lossSum = maskedNll(hidden, weight, ls, ms, labelP, from, lossSum);
            if (gradients) {
                logitGradients(z, ls, ms, gradientScale(ms, count, z.dataType()));
                Nd4j.gemm(z, weight, dHidden.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()), false, false,
                        1.0, 0.0);
            }
        }
        return new Result(lossSum / count, lossSum, count, dHidden, null);
    }

    /** The loss and both gradients from the whole batch's {@code [N, V]} logits (the head's weight gradient needs them all). */
    private static Result wholeBatch(INDArray hidden, INDArray weight, int[] labels, float[] mask) {
        double count = tokenCount(mask);
        INDArray z = logits(hidden, weight);                       // [N, V], the only large buffer
        Kernels.softmaxRows(z);                                    // z := softmax(z), one fused pass over each row
        double lossSum = maskedNll(hidden, weight, labels, mask, Kernels.valuesAt(z, labels, mask), 0, 0);
        logitGradients(z, labels, mask, gradientScale(mask, count, z.dataType()));
        INDArray dHidden = Nd4j.gemm(z, weight, false, false);    // [N, d]
        INDArray dWeight = Nd4j.gemm(z, hidden, true, false);     // [V, d]
        return new Result(lossSum / count, lossSum, count, dHidden, dWeight);
    }

    /** The number of counted tokens, Σ mask; refuses a batch with none. */
    private static double tokenCount(float[] mask) {
        double count = 0;
        for (float m : mask) {
            count += m;
        }
        if (count == 0) {
            throw new IllegalArgumentException("batch has no unmasked token: nothing to predict");
        }
        return count;
    }

    /** {@code mask/count} per row in the logits' own precision: a double model keeps it exact, a float model rounds it once. */
    private static double[] gradientScale(float[] mask, double count, DataType type) {
        double[] scale = new double[mask.length];
        for (int i = 0; i < mask.length; i++) {
            scale[i] = type == DataType.DOUBLE ? mask[i] / count : (float) (mask[i] / count);
        }
        return scale;
    }

    /**
     * {@code sum + Σ mask·(−log p)} over rows whose mask is not 0, added in row order, {@code p} the label's softmax
     * probability; {@code first} is the rows' index in {@code hidden}.
     */
    private static double maskedNll(INDArray hidden, INDArray weight, int[] labels, float[] mask, double[] labelP,
                                    int first, double sum) {
        double lossSum = sum;
        for (int i = 0; i < labels.length; i++) {
            if (mask[i] != 0) {
                double p = labelP[i];
                // −log p is exact while p is a normal float; a label far below the row's best underflows to 0
                double nll = p >= MIN_PROBABILITY ? -Math.log(p) : rowNll(hidden, weight, first + i, labels[i]);
                lossSum += mask[i] * nll;
            }
        }
        return lossSum;
    }

    /** Softmax rows in place to dL/dlogits: each row times its {@code scale}, minus {@code scale} at its label. */
    private static void logitGradients(INDArray probs, int[] labels, float[] mask, double[] scale) {
        int n = labels.length;
        probs.muliColumnVector(Nd4j.createFromArray(scale).reshape(n, 1).castTo(probs.dataType()));
        for (int i = 0; i < n; i++) {
            if (mask[i] != 0) {
                probs.putScalar(i, labels[i], probs.getDouble(i, labels[i]) - scale[i]);
            }
        }
    }

    /** −log softmax(h_i·Wᵀ)[label] of one row, as log-sum-exp in double: for labels whose probability underflows. */
    private static double rowNll(INDArray hidden, INDArray weight, int row, int label) {
        double[] z = Nd4j.gemm(hidden.getRow(row, true), weight, false, true).toDoubleVector();
        double max = Double.NEGATIVE_INFINITY;
        for (double x : z) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (double x : z) {
            sum += Math.exp(x - max);
        }
        return max + Math.log(sum) - z[label];
    }

    /** Ids and mask of a batch flattened in row-major order. */
    static int[] flatIds(INDArray ids) {
        return ids.castTo(DataType.INT).reshape(-1).toIntVector();
    }

    static float[] flatMask(INDArray mask, long n) {
        if (mask == null) {
            float[] ones = new float[(int) n];
            java.util.Arrays.fill(ones, 1f);
            return ones;
        }
        return mask.castTo(DataType.FLOAT).reshape(-1).toFloatVector();
    }
}
