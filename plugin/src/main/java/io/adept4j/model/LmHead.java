package io.adept4j.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The language-model head and its masked cross-entropy, computed with plain ND4J calls outside the SameDiff graph.
 *
 * <p>Why: the head's {@code [N, V]} logits are the largest arrays of the model. In the graph, SameDiff 1.0.0-M2.1
 * allocates a fresh {@code [N, V]} buffer for every intermediate and every gradient (about fifteen per step, most of a
 * step's time went to allocating them), its sparse softmax cross-entropy ignores the incoming gradient, and its
 * log-softmax is slow. Here the work is three GEMMs, one softmax pass per row ({@link Kernels#softmaxRows}) and one
 * scaling pass, in place over one buffer (a max, subtract, exp, sum and divide chain of separate passes took twice as
 * long).
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
        INDArray z = logits(hidden, weight);                       // [N, V], the only large buffer
        // The loss alone needs each label's probability, not the rows: read them without writing (the same bits).
        double[] labelP = gradients ? null : Kernels.softmaxAt(z, labels, mask);
        if (gradients) {
            Kernels.softmaxRows(z);                                // z := softmax(z), one fused pass over each row
        }
        double count = 0;
        double lossSum = 0;
        for (int i = 0; i < n; i++) {
            if (mask[i] != 0) {
                double p = gradients ? z.getDouble(i, labels[i]) : labelP[i];
                // −log p is exact while p is a normal float; a label far below the row's best underflows to 0
                double nll = p >= MIN_PROBABILITY ? -Math.log(p) : rowNll(hidden, weight, i, labels[i]);
                lossSum += mask[i] * nll;
                count += mask[i];
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("batch has no unmasked token: nothing to predict");
        }
        double loss = lossSum / count;
        if (!gradients) {
            return new Result(loss, lossSum, count, null, null);
        }
        // z := softmax · mask / count, then subtract mask / count at each label: dL/dlogits.
        // 1/count in the logits' own precision: a double model keeps it exact, a float model rounds it once
        boolean dbl = z.dataType() == DataType.DOUBLE;
        double[] scale = new double[n];
        for (int i = 0; i < n; i++) {
            scale[i] = dbl ? mask[i] / count : (float) (mask[i] / count);
        }
        INDArray scaleCol = Nd4j.createFromArray(scale).reshape(n, 1).castTo(z.dataType());
        z.muliColumnVector(scaleCol);
        for (int i = 0; i < n; i++) {
            if (mask[i] != 0) {
                z.putScalar(i, labels[i], z.getDouble(i, labels[i]) - scale[i]);
            }
        }
        INDArray dHidden = Nd4j.gemm(z, weight, false, false);    // [N, d]
        INDArray dWeight = weightGradient ? Nd4j.gemm(z, hidden, true, false) : null; // [V, d]
        return new Result(loss, lossSum, count, dHidden, dWeight);
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
