package io.adept4j.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The SIMD loops behind {@link Kernels}, written with the JDK's Vector API over the float memory of ND4J arrays (as
 * direct byte buffers, element {@code i} at byte {@code 4·i}). Only {@link Kernels} calls them, and only when the
 * {@code jdk.incubator.vector} module is present, so this class is never loaded without it.
 *
 * <p>Deterministic by construction: the same inputs give the same bits whether the JIT has compiled a loop or not,
 * since only IEEE-exact lane operations are used (add, multiply, fma, divide, max, exact conversions). The API's own
 * {@code EXP} and {@code reduceLanes(ADD)} are not: their intrinsics and their Java fallbacks round differently or add in
 * another order, which made a warm and a cold JVM differ in the last bit. Hence {@link #exp} is written out, and
 * lane sums are added up in lane order. The remainders after the last whole vector use the same arithmetic per element.
 */
final class VectorKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int STEP = S.length();

    private VectorKernels() {
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding and subtracting it rounds a float of magnitude below 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float EXP_MAX = 88.3762626647949f;
    private static final float EXP_MIN = -87.3365447504f;
    // expf's polynomial on [−ln2/2, ln2/2] (Cephes), about 1 ulp
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    /** e^x per lane for x clamped to [−87.3, 88.4] (below: about 1.2e-38, never 0). */
    static FloatVector exp(FloatVector x) {
        x = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = x.fma(LOG2E, ROUND);                            // n = round(x·log2 e) in t's low bits
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);                // x − n·ln 2 in two parts
        FloatVector p = r.fma(P0, P1).fma(r, FloatVector.broadcast(S, P2)).fma(r, FloatVector.broadcast(S, P3))
                .fma(r, FloatVector.broadcast(S, P4)).fma(r, FloatVector.broadcast(S, P5));
        p = p.mul(r.mul(r)).add(r).add(1f);
        // 2^n from t's bits: bits(t) = bits(ROUND) + n (a float-to-int conversion is not compiled to SIMD on JDK 17:
        // it made this function 7x slower)
        IntVector bits = t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** The same e^x for one element, operation for operation. */
    static float exp(float x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float n = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        p = p * (r * r) + r + 1f;
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /** The lanes of {@code v} added up in lane order (the API's ADD reduction has no fixed order). */
    private static float sum(FloatVector v) {
        float[] lanes = v.toArray();
        float s = 0;
        for (float x : lanes) {
            s += x;
        }
        return s;
    }

    /** {@code Σ a[aFrom + j]·b[bFrom + j]} over {@code n} elements: fused multiply-adds per lane, lanes in order. */
    private static float dot(ByteBuffer a, int aFrom, ByteBuffer b, int bFrom, int n) {
        int vecEnd = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j < vecEnd; j += STEP) {
            acc = load(a, aFrom + j).fma(load(b, bFrom + j), acc);
        }
        float s = sum(acc);
        for (; j < n; j++) {
            s = Math.fma(a.getFloat(4 * (aFrom + j)), b.getFloat(4 * (bFrom + j)), s);
        }
        return s;
    }

    private static FloatVector load(ByteBuffer b, int i) {
        return FloatVector.fromByteBuffer(S, b, 4 * i, ORDER);
    }

    private static void store(FloatVector v, ByteBuffer b, int i) {
        v.intoByteBuffer(b, 4 * i, ORDER);
    }

    /**
     * Softmax of {@code scale·x} over elements {@code [from, from + valid)} in place; elements
     * {@code [from + valid, from + len)} become 0 (masked keys).
     */
    static void softmax(ByteBuffer b, int from, int valid, int len, float scale) {
        int end = from + valid;
        int vecEnd = from + S.loopBound(valid);
        float max = max(b, from, valid);
        float inv = 1f / expSum(b, from, valid, max, scale, true);
        int i;
        for (i = from; i < vecEnd; i += STEP) {
            store(load(b, i).mul(inv), b, i);
        }
        for (; i < end; i++) {
            b.putFloat(4 * i, b.getFloat(4 * i) * inv);
        }
        for (i = end; i < from + len; i++) {
            b.putFloat(4 * i, 0f);
        }
    }

    /**
     * The softmax of the {@code len} elements from {@code from} (scale 1) at element {@code from + at}, with exactly the
     * bits {@link #softmax} leaves there (the same max, the same sum in the same order, the same exp and product),
     * computed without writing: the loss of a forward pass needs one probability per row, not the row.
     */
    static float softmaxAt(ByteBuffer b, int from, int len, int at) {
        float max = max(b, from, len);
        float inv = 1f / expSum(b, from, len, max, 1f, false);
        return exp((b.getFloat(4 * (from + at)) - max) * 1f) * inv;
    }

    /** The largest of the {@code n} elements from {@code from}. */
    private static float max(ByteBuffer b, int from, int n) {
        int end = from + n;
        int vecEnd = from + S.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = from;
        for (; i < vecEnd; i += STEP) {
            vmax = vmax.max(load(b, i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < end; i++) {
            max = Math.max(max, b.getFloat(4 * i));
        }
        return max;
    }

    /**
     * {@code Σ e^{(x − max)·scale}} over the {@code n} elements from {@code from}, lanes then the tail in order; with
     * {@code write} each element is replaced by its exponential.
     */
    private static float expSum(ByteBuffer b, int from, int n, float max, float scale, boolean write) {
        int end = from + n;
        int vecEnd = from + S.loopBound(n);
        FloatVector vsum = FloatVector.zero(S);
        FloatVector shift = FloatVector.broadcast(S, max);
        int i;
        for (i = from; i < vecEnd; i += STEP) {
            FloatVector e = exp(load(b, i).sub(shift).mul(scale));
            if (write) {
                store(e, b, i);
            }
            vsum = vsum.add(e);
        }
        float sum = sum(vsum);
        for (; i < end; i++) {
            float e = exp((b.getFloat(4 * i) - max) * scale);
            if (write) {
                b.putFloat(4 * i, e);
            }
            sum += e;
        }
        return sum;
    }

    /**
     * The softmax's backward pass over one row, in place on {@code d}: {@code d := (d − Σ d·p)·p·scale} over the first
     * {@code valid} elements, 0 after them (where p is 0).
     */
    static void softmaxBackward(ByteBuffer d, ByteBuffer p, int from, int valid, int len, float scale) {
        int end = from + valid;
        int vecEnd = from + S.loopBound(valid);
        float dot = dot(d, from, p, from, valid);
        int i;
        FloatVector vd = FloatVector.broadcast(S, dot);
        for (i = from; i < vecEnd; i += STEP) {
            store(load(d, i).sub(vd).mul(load(p, i)).mul(scale), d, i);
        }
        for (; i < end; i++) {
            d.putFloat(4 * i, (d.getFloat(4 * i) - dot) * p.getFloat(4 * i) * scale);
        }
        for (i = end; i < from + len; i++) {
            d.putFloat(4 * i, 0f);
        }
    }

    /** SwiGLU forward over {@code n} elements: {@code sig := σ(gate)}, {@code act := gate·sig·up}. */
    static void silu(ByteBuffer gate, ByteBuffer up, ByteBuffer sig, ByteBuffer act, int n) {
        int vecEnd = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (; i < vecEnd; i += STEP) {
            FloatVector g = load(gate, i);
            FloatVector s = one.div(one.add(exp(g.neg())));
            store(s, sig, i);
            store(g.mul(s).mul(load(up, i)), act, i);
        }
        for (; i < n; i++) {
            float g = gate.getFloat(4 * i);
            float s = 1f / (1f + exp(-g));
            sig.putFloat(4 * i, s);
            act.putFloat(4 * i, g * s * up.getFloat(4 * i));
        }
    }

    /**
     * SwiGLU backward over {@code n} elements: {@code dUp := dAct·gate·sig},
     * {@code dGate := dAct·up·sig·(1 + gate·(1 − sig))}.
     */
    static void siluBackward(ByteBuffer dAct, ByteBuffer gate, ByteBuffer sig, ByteBuffer up, ByteBuffer dGate,
                             ByteBuffer dUp, int n) {
        int vecEnd = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (; i < vecEnd; i += STEP) {
            FloatVector da = load(dAct, i);
            FloatVector g = load(gate, i);
            FloatVector s = load(sig, i);
            store(da.mul(g).mul(s), dUp, i);
            store(da.mul(load(up, i)).mul(s).mul(one.add(g.mul(one.sub(s)))), dGate, i);
        }
        for (; i < n; i++) {
            float da = dAct.getFloat(4 * i);
            float g = gate.getFloat(4 * i);
            float s = sig.getFloat(4 * i);
            dUp.putFloat(4 * i, da * g * s);
            dGate.putFloat(4 * i, da * up.getFloat(4 * i) * s * (1 + g * (1 - s)));
        }
    }

    /**
     * RMSNorm of the {@code rows × cols} row-major {@code x} with weight {@code w}: per row {@code inv = 1/√(mean x² + eps)}
     * (into {@code inverseRms}), {@code normed = x·inv}, {@code out = normed·w}.
     */
    static void rmsNorm(ByteBuffer x, ByteBuffer w, float eps, ByteBuffer normed, ByteBuffer out, ByteBuffer inverseRms,
                        int rows, int cols) {
        int vecCols = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int from = r * cols;
            float ss = dot(x, from, x, from, cols);
            int j;
            float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
            inverseRms.putFloat(4 * r, inv);
            for (j = 0; j < vecCols; j += STEP) {
                FloatVector n = load(x, from + j).mul(inv);
                store(n, normed, from + j);
                store(n.mul(load(w, j)), out, from + j);
            }
            for (; j < cols; j++) {
                float n = x.getFloat(4 * (from + j)) * inv;
                normed.putFloat(4 * (from + j), n);
                out.putFloat(4 * (from + j), n * w.getFloat(4 * j));
            }
        }
    }

    /**
     * RMSNorm's input gradient: per row {@code dot = mean(dy·w·normed)}, {@code dx = (dy·w − normed·dot)·inv}.
     */
    static void rmsNormBackward(ByteBuffer dy, ByteBuffer w, ByteBuffer normed, ByteBuffer inverseRms, ByteBuffer dx,
                                int rows, int cols) {
        int vecCols = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int from = r * cols;
            FloatVector acc = FloatVector.zero(S);
            int j = 0;
            for (; j < vecCols; j += STEP) {
                acc = load(dy, from + j).mul(load(w, j)).fma(load(normed, from + j), acc);
            }
            float dot = sum(acc);
            for (; j < cols; j++) {
                dot = Math.fma(dy.getFloat(4 * (from + j)) * w.getFloat(4 * j), normed.getFloat(4 * (from + j)), dot);
            }
            dot /= cols;
            float inv = inverseRms.getFloat(4 * r);
            for (j = 0; j < vecCols; j += STEP) {
                FloatVector n = load(normed, from + j);
                store(load(dy, from + j).mul(load(w, j)).sub(n.mul(dot)).mul(inv), dx, from + j);
            }
            for (; j < cols; j++) {
                float n = normed.getFloat(4 * (from + j));
                dx.putFloat(4 * (from + j), (dy.getFloat(4 * (from + j)) * w.getFloat(4 * j) - n * dot) * inv);
            }
        }
    }

    /**
     * Rotary position embedding over {@code rows} rows of {@code width} (heads of {@code hd}), row {@code r} at table row
     * {@code r mod t}: for each head's halves {@code a} (first) and {@code b} (second), forward
     * {@code a·cos_a + b·sin_a, b·cos_b + a·sin_b}; backward {@code a·cos_a + b·sin_b, b·cos_b + a·sin_a}.
     */
    static void rope(ByteBuffer x, ByteBuffer cos, ByteBuffer sin, ByteBuffer out, int rows, int width, int t, int hd,
                     boolean backward) {
        int half = hd / 2;
        int vecEnd = S.loopBound(half);
        for (int r = 0; r < rows; r++) {
            int row = r * width;
            int table = (r % t) * width;
            for (int h = 0; h < width; h += hd) {
                int lo = row + h;
                int hi = lo + half;
                int tlo = table + h;
                int thi = tlo + half;
                // the sine that multiplies b (in a's output) and a (in b's): own half forward, the other one backward
                int sinA = backward ? thi : tlo;
                int sinB = backward ? tlo : thi;
                int j = 0;
                for (; j < vecEnd; j += STEP) {
                    FloatVector a = load(x, lo + j);
                    FloatVector b = load(x, hi + j);
                    FloatVector sa = load(sin, sinA + j);
                    FloatVector sb = load(sin, sinB + j);
                    store(a.mul(load(cos, tlo + j)).add(b.mul(sa)), out, lo + j);
                    store(b.mul(load(cos, thi + j)).add(a.mul(sb)), out, hi + j);
                }
                for (; j < half; j++) {
                    float a = x.getFloat(4 * (lo + j));
                    float b = x.getFloat(4 * (hi + j));
                    float sa = sin.getFloat(4 * (sinA + j));
                    float sb = sin.getFloat(4 * (sinB + j));
                    out.putFloat(4 * (lo + j), a * cos.getFloat(4 * (tlo + j)) + b * sa);
                    out.putFloat(4 * (hi + j), b * cos.getFloat(4 * (thi + j)) + a * sb);
                }
            }
        }
    }
}
