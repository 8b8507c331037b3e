package io.adept4j.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The element-wise work of the direct pass and the head that ND4J spreads over many passes or computes slowly: the
 * head's softmax over the vocabulary, the causal attention softmax and its backward pass, the SwiGLU activation and
 * its backward pass (all bound by {@code exp}), and RMSNorm and its input gradient (five ND4J passes each).
 *
 * <p>Why: ND4J 1.0.0-M2.1's {@code exp} cost 7–9 ns per element on the project's CPUs, this class's vector exp about
 * 1 (scratch timings); in a JFR profile of {@code adept bench tune --size 128x4} before them, about a third of the
 * samples fell in the passes these kernels replace. With the {@code jdk.incubator.vector} module (the
 * {@code ./adept} launcher and the tests add it: {@code --add-modules jdk.incubator.vector}) they run as SIMD loops over
 * the arrays' memory ({@link VectorKernels}), fused (one pass where ND4J needs three to six) and, for attention, only
 * over the keys a query may see. Without the module, with {@code -Dadept4j.vector=false}, or for arrays that are not
 * contiguous row-major float (the double-precision tests), the same functions run as ND4J ops. Both agree to float
 * rounding ({@code KernelsTest}).
 */
final class Kernels {

    /** JVM property: {@code false} turns the Vector API kernels off (they are on whenever the module is present). */
    static final String PROPERTY = "adept4j.vector";
    private static final String MODULE = "jdk.incubator.vector";
    private static volatile boolean vector = ModuleLayer.boot().findModule(MODULE).isPresent()
            && !Boolean.FALSE.equals(requested());

    private Kernels() {
    }

    /** Whether the Vector API kernels are in use (reported by the benchmarks). */
    static boolean vectorised() {
        return vector;
    }

    /** What {@value #PROPERTY} asks for: null when unset or unreadable as true/false (see {@link #checkProperty}). */
    private static Boolean requested() {
        String v = System.getProperty(PROPERTY);
        if (v == null) {
            return null;
        }
        String s = v.trim();
        return s.equalsIgnoreCase("true") ? Boolean.TRUE : s.equalsIgnoreCase("false") ? Boolean.FALSE : null;
    }

    /** Refuses a {@value #PROPERTY} value other than true or false (unset is fine). */
    static void checkProperty() {
        String v = System.getProperty(PROPERTY);
        if (v != null && requested() == null) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be true or false, got '" + v + "'");
        }
    }

    /** Turns the Vector API kernels off or (when the module is present) on; returns the previous state. For tests. */
    static boolean vectorised(boolean on) {
        boolean was = vector;
        vector = on && ModuleLayer.boot().findModule(MODULE).isPresent();
        return was;
    }

    private static boolean plain(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.offset() == 0
                && Shape.hasDefaultStridesForShape(a) && a.length() <= Integer.MAX_VALUE / 4;
    }

    private static boolean vectorFor(INDArray... arrays) {
        if (!vector) {
            return false;
        }
        for (INDArray a : arrays) {
            if (!plain(a)) {
                return false;
            }
        }
        return true;
    }

    private static ByteBuffer bytes(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder());
    }

    /** Softmax over each row of {@code z} ({@code [R, C]}), in place. */
    static void softmaxRows(INDArray z) {
        if (vectorFor(z)) {
            ByteBuffer b = bytes(z);
            int cols = (int) z.columns();
            for (int r = 0, rows = (int) z.rows(); r < rows; r++) {
                VectorKernels.softmax(b, r * cols, cols, cols, 1f);
            }
        } else {
            Nd4j.exec(new SoftMax(z, z, 1));
        }
    }

    /**
     * {@code softmax(z)[r, cols[r]]} for every row {@code r} whose {@code mask[r]} is not 0 (NaN elsewhere): the values
     * {@link #softmaxRows} would leave at those places, bit for bit. The Vector API path reads {@code z} and writes
     * nothing; the ND4J path overwrites {@code z} with its softmax.
     */
    static double[] softmaxAt(INDArray z, int[] cols, float[] mask) {
        if (vectorFor(z)) {
            ByteBuffer b = bytes(z);
            int c = (int) z.columns();
            double[] p = new double[(int) z.rows()];
            for (int r = 0; r < p.length; r++) {
                p[r] = mask[r] != 0 ? VectorKernels.softmaxAt(b, r * c, c, cols[r]) : Double.NaN;
            }
            return p;
        }
        softmaxRows(z);
        return valuesAt(z, cols, mask);
    }

    /** {@code z[r, cols[r]]} for every row {@code r} whose {@code mask[r]} is not 0, NaN elsewhere. */
    static double[] valuesAt(INDArray z, int[] cols, float[] mask) {
        double[] v = new double[(int) z.rows()];
        for (int r = 0; r < v.length; r++) {
            v[r] = mask[r] != 0 ? z.getDouble(r, cols[r]) : Double.NaN;
        }
        return v;
    }

    /**
     * Causal attention probabilities in place: {@code scores} holds unscaled query·key products whose rows have
     * {@code t} keys, row {@code r} belonging to query position {@code r mod t}; each row becomes the softmax of
     * {@code scale·scores} over the keys at or before its position, 0 after it.
     *
     * @param maskRow the additive mask of one {@code [rows mod group, t]} block, flattened (the ND4J path adds it)
     */
    static void causalSoftmax(INDArray scores, int t, double scale, INDArray maskRow) {
        if (vectorFor(scores)) {
            ByteBuffer b = bytes(scores);
            float s = (float) scale;
            for (int r = 0, rows = (int) (scores.length() / t); r < rows; r++) {
                VectorKernels.softmax(b, r * t, r % t + 1, t, s);
            }
            return;
        }
        scores.muli(scale);
        scores.reshape(scores.length() / maskRow.length(), maskRow.length()).addiRowVector(maskRow);
        INDArray rows = scores.reshape(-1, t);
        Nd4j.exec(new SoftMax(rows, rows, 1));
    }

    /**
     * The causal softmax's backward pass in place on {@code dProbs}: the gradient of the unscaled scores,
     * {@code (dProbs − Σ dProbs·probs)·probs·scale} row by row.
     */
    static void causalSoftmaxBackward(INDArray dProbs, INDArray probs, int t, double scale) {
        if (vectorFor(dProbs, probs)) {
            ByteBuffer d = bytes(dProbs);
            ByteBuffer p = bytes(probs);
            float s = (float) scale;
            for (int r = 0, rows = (int) (dProbs.length() / t); r < rows; r++) {
                VectorKernels.softmaxBackward(d, p, r * t, r % t + 1, t, s);
            }
            return;
        }
        INDArray p2 = probs.reshape(-1, t);
        INDArray d2 = dProbs.reshape(-1, t);
        INDArray dot = d2.mul(p2).sum(true, 1);
        d2.subiColumnVector(dot).muli(p2).muli(scale);
    }

    /** SwiGLU's parts: {@code sigmoid = σ(gate)} (kept for the backward pass) and {@code activation = gate·σ(gate)·up}. */
    record Silu(INDArray sigmoid, INDArray activation) {
    }

    /** SwiGLU forward of {@code gate} and {@code up} (same shape). */
    static Silu silu(INDArray gate, INDArray up) {
        if (vectorFor(gate, up)) {
            INDArray sig = Nd4j.createUninitialized(DataType.FLOAT, gate.shape(), 'c');
            INDArray act = Nd4j.createUninitialized(DataType.FLOAT, gate.shape(), 'c');
            VectorKernels.silu(bytes(gate), bytes(up), bytes(sig), bytes(act), (int) gate.length());
            return new Silu(sig, act);
        }
        INDArray sig = Transforms.sigmoid(gate, true);
        return new Silu(sig, gate.mul(sig).muli(up));
    }

    /** SwiGLU backward: the gradients of {@code gate} and {@code up} from that of the activation. */
    static INDArray[] siluBackward(INDArray dAct, INDArray gate, INDArray sig, INDArray up) {
        if (vectorFor(dAct, gate, sig, up)) {
            INDArray dGate = Nd4j.createUninitialized(DataType.FLOAT, gate.shape(), 'c');
            INDArray dUp = Nd4j.createUninitialized(DataType.FLOAT, gate.shape(), 'c');
            VectorKernels.siluBackward(bytes(dAct), bytes(gate), bytes(sig), bytes(up), bytes(dGate), bytes(dUp),
                    (int) gate.length());
            return new INDArray[]{dGate, dUp};
        }
        INDArray dUp = dAct.mul(gate.mul(sig));                                   // d/d up = silu(gate)
        // d silu(g)/dg = s·(1 + g·(1 − s))
        INDArray dSilu = sig.rsub(1.0).muli(gate).addi(1.0).muli(sig);
        INDArray dGate = dAct.mul(up).muli(dSilu);
        return new INDArray[]{dGate, dUp};
    }

    /** RMSNorm's output, the normalised rows before the weight, and 1/rms per row ({@code [R, 1]}). */
    record Norm(INDArray out, INDArray normed, INDArray inverseRms) {
    }

    /** RMSNorm over the rows of {@code x} ({@code [R, C]}) with weight {@code w} ({@code C} values). */
    static Norm rmsNorm(INDArray x, INDArray w, double eps) {
        if (vectorFor(x, w) && x.rank() == 2) {
            long rows = x.rows();
            INDArray normed = Nd4j.createUninitialized(DataType.FLOAT, x.shape(), 'c');
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.shape(), 'c');
            INDArray inv = Nd4j.createUninitialized(DataType.FLOAT, new long[]{rows, 1}, 'c');
            VectorKernels.rmsNorm(bytes(x), bytes(w), (float) eps, bytes(normed), bytes(out), bytes(inv), (int) rows,
                    (int) x.columns());
            return new Norm(out, normed, inv);
        }
        INDArray inv = Transforms.pow(x.mul(x).mean(true, 1).addi(eps), -0.5, false);
        INDArray normed = x.mulColumnVector(inv);
        return new Norm(normed.mulRowVector(w), normed, inv);
    }

    /** RMSNorm's input gradient from the output's {@code dy}. */
    static INDArray rmsNormBackward(Norm n, INDArray w, INDArray dy) {
        if (vectorFor(dy, w, n.normed(), n.inverseRms()) && dy.rank() == 2) {
            INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, dy.shape(), 'c');
            VectorKernels.rmsNormBackward(bytes(dy), bytes(w), bytes(n.normed()), bytes(n.inverseRms()), bytes(dx),
                    (int) dy.rows(), (int) dy.columns());
            return dx;
        }
        INDArray dxn = dy.mulRowVector(w);
        INDArray dot = dxn.mul(n.normed()).mean(true, 1);
        return dxn.subi(n.normed().mulColumnVector(dot)).muliColumnVector(n.inverseRms());
    }

    /**
     * Rotary position embedding of the rows of {@code x} ({@code [N, width]}, row {@code r} at position {@code r mod t},
     * {@code width} a whole number of heads of {@code hd = halfSwap.rows()} dimensions) in a new array:
     * {@code x·cos + swap(x)·sin}, {@code swap} exchanging the two halves of each head, {@code cos} and the signed
     * {@code sin} tables {@code [1, t·width]}. With {@code backward}, its transpose on an output gradient:
     * {@code x·cos + swap(x·sin)}. The Vector API path reads each head's two halves once, where the ND4J path forms
     * {@code swap(x)} as a product with the permutation {@code halfSwap} and needs three more passes; the same products
     * and sums in the same order, hence the same bits.
     */
    static INDArray rope(INDArray x, INDArray cos, INDArray sin, INDArray halfSwap, int t, boolean backward) {
        long n = x.rows();
        long width = x.columns();
        int hd = (int) halfSwap.rows();
        if (vectorFor(x, cos, sin) && x.rank() == 2) {
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.shape(), 'c');
            VectorKernels.rope(bytes(x), bytes(cos), bytes(sin), bytes(out), (int) n, (int) width, t, hd, backward);
            return out;
        }
        INDArray byBatch = x.reshape(n / t, t * width);
        if (backward) {
            INDArray viaSwap = byBatch.mulRowVector(sin).reshape(-1, hd).mmul(halfSwap).reshape(n / t, t * width);
            return byBatch.mulRowVector(cos).addi(viaSwap).reshape(n, width);
        }
        INDArray swapped = x.reshape(-1, hd).mmul(halfSwap).reshape(n / t, t * width);
        return byBatch.mulRowVector(cos).addi(swapped.muliRowVector(sin)).reshape(n, width);
    }
}
