package io.adept4j.model;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API kernels against the ND4J ops they replace, on shapes whose rows span whole vectors and a remainder,
 * and a float model's loss and gradients through them against the SameDiff graph's.
 */
class KernelsTest {

    @AfterEach
    void restore() {
        Kernels.vectorised(true);
    }

    private static INDArray random(long seed, double scale, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, shape).muli(scale);
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return Nd4j.math().abs(a.sub(b)).maxNumber().doubleValue();
    }

    /** Runs {@code kernel} on copies of the inputs with the Vector API kernels and with ND4J's ops. */
    private interface Kernel {
        INDArray[] run(INDArray[] in);
    }

    private static void agree(String what, double tolerance, Kernel kernel, INDArray... inputs) {
        assertTrue(Kernels.vectorised(), "the tests run with --add-modules=jdk.incubator.vector (surefire's argLine)");
        INDArray[] a = kernel.run(copies(inputs));
        Kernels.vectorised(false);
        INDArray[] b = kernel.run(copies(inputs));
        Kernels.vectorised(true);
        for (int i = 0; i < a.length; i++) {
            double d = maxDiff(a[i], b[i]);
            double scale = Math.max(1, b[i].amaxNumber().doubleValue());
            assertTrue(d <= tolerance * scale, what + " output " + i + ": max |Δ| " + d);
        }
    }

    private static INDArray[] copies(INDArray[] in) {
        INDArray[] out = new INDArray[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = in[i].dup('c');
        }
        return out;
    }

    /** The additive causal mask of {@code rep} query groups of {@code t} positions, flattened. */
    private static INDArray mask(int rep, int t) {
        INDArray m = Nd4j.zeros(DataType.FLOAT, rep * t, t);
        for (int r = 0; r < rep; r++) {
            for (int q = 0; q < t; q++) {
                for (int k = q + 1; k < t; k++) {
                    m.putScalar(r * t + q, k, -1e9);
                }
            }
        }
        return m.reshape(1, -1);
    }

    @Test
    void softmaxOverRowsAgrees() {
        agree("head softmax", 1e-6, in -> {
            Kernels.softmaxRows(in[0]);
            return in;
        }, random(1, 6, 9, 101));
    }

    @Test
    void oneProbabilityPerRowHasTheSoftmaxsBits() {
        assertTrue(Kernels.vectorised(), "the tests run with --add-modules=jdk.incubator.vector (surefire's argLine)");
        for (int cols : new int[]{37, 4096}) { // a row of whole vectors and a remainder, and the head's width
            INDArray z = random(21, 6, 9, cols);
            int[] at = new int[9];
            float[] mask = new float[9];
            java.util.Random r = new java.util.Random(cols);
            for (int i = 0; i < at.length; i++) {
                at[i] = i == 0 ? cols - 1 : r.nextInt(cols); // row 0: the label in the scalar tail
                mask[i] = i == 4 ? 0 : 1;
            }
            INDArray before = z.dup();
            double[] p = Kernels.softmaxAt(z, at, mask);
            assertEquals(0.0, maxDiff(before, z), "the logits are left as they were");
            Kernels.softmaxRows(z);
            for (int i = 0; i < at.length; i++) {
                if (mask[i] != 0) {
                    assertEquals(z.getDouble(i, at[i]), p[i], 0.0, "row " + i + " of " + cols);
                } else {
                    assertTrue(Double.isNaN(p[i]), "a masked row is not computed");
                }
            }
        }
    }

    @Test
    void causalSoftmaxAndItsBackwardPassAgree() {
        int t = 37;
        int rep = 2;
        INDArray mask = mask(rep, t);
        double scale = 0.35;
        // [B, kv, rep·T, T]
        INDArray scores = random(2, 4, 2, 3, rep * t, t);
        agree("causal softmax", 1e-6, in -> {
            Kernels.causalSoftmax(in[0], t, scale, mask);
            return in;
        }, scores);
        INDArray probs = scores.dup('c');
        Kernels.vectorised(false);
        Kernels.causalSoftmax(probs, t, scale, mask);
        Kernels.vectorised(true);
        assertEquals(0.0, probs.getDouble(0, 0, 0, 1), 0.0, "a query never sees a later key");
        agree("causal softmax backward", 1e-6, in -> {
            Kernels.causalSoftmaxBackward(in[0], in[1], t, scale);
            return new INDArray[]{in[0]};
        }, random(3, 1, 2, 3, rep * t, t), probs);
    }

    @Test
    void rotaryEmbeddingAndItsTransposeHaveTheBitsOfTheSwapProduct() {
        int t = 5;
        // hd 32: each half one whole vector on AVX-512 (two on AVX2); hd 24: halves of 12, the scalar tail on AVX-512
        for (int hd : new int[]{32, 24}) {
            int width = 3 * hd;
            double[][] p = new double[hd][hd];
            for (int j = 0; j < hd / 2; j++) {
                p[j + hd / 2][j] = 1;
                p[j][j + hd / 2] = 1;
            }
            INDArray swap = Nd4j.create(p).castTo(DataType.FLOAT);
            INDArray cos = random(11, 1, 1, (long) t * width);
            INDArray sin = random(12, 1, 1, (long) t * width);
            for (boolean backward : new boolean[]{false, true}) {
                agree("rope hd " + hd + (backward ? " backward" : ""), 0, in -> new INDArray[]{
                        Kernels.rope(in[0], in[1], in[2], swap, t, backward)}, random(13, 2, 4L * t, width), cos, sin);
            }
        }
    }

    @Test
    void swigluAndItsBackwardPassAgree() {
        INDArray gate = random(4, 3, 13, 71);
        INDArray up = random(5, 1, 13, 71);
        agree("silu", 1e-6, in -> {
            Kernels.Silu s = Kernels.silu(in[0], in[1]);
            return new INDArray[]{s.sigmoid(), s.activation()};
        }, gate, up);
        INDArray sig = Kernels.silu(gate, up).sigmoid();
        agree("silu backward", 1e-6, in -> Kernels.siluBackward(in[0], in[1], in[2], in[3]),
                random(6, 1, 13, 71), gate, sig, up);
    }

    @Test
    void rmsNormAndItsInputGradientAgree() {
        INDArray x = random(8, 2, 11, 45);
        INDArray w = random(9, 1, 45);
        agree("rms norm", 1e-6, in -> {
            Kernels.Norm n = Kernels.rmsNorm(in[0], in[1], 1e-5);
            return new INDArray[]{n.out(), n.normed(), n.inverseRms()};
        }, x, w);
        Kernels.Norm n = Kernels.rmsNorm(x, w, 1e-5);
        agree("rms norm backward", 1e-6, in -> new INDArray[]{Kernels.rmsNormBackward(
                new Kernels.Norm(in[1], in[2], in[3]), in[4], in[0])}, random(10, 1, 11, 45), n.out(), n.normed(),
                n.inverseRms(), w);
    }

    @Test
    void expIsAccurateAndTheSameBitsBeforeAndAfterTheJitCompilesIt() {
        assertTrue(Kernels.vectorised(), "the tests run with --add-modules=jdk.incubator.vector (surefire's argLine)");
        double worst = 0;
        for (float x = -87f; x < 88f; x += 0.0137f) {
            worst = Math.max(worst, Math.abs(VectorKernels.exp(x) - Math.exp(x)) / Math.exp(x));
        }
        assertTrue(worst < 3e-7, "max relative error of exp " + worst);
        // every lane of the vector exp is the scalar exp to the bit (both use only IEEE-exact operations)
        jdk.incubator.vector.VectorSpecies<Float> species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        java.util.Random rnd = new java.util.Random(11);
        float[] x = new float[species.length()];
        for (int round = 0; round < 2000; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextDouble() * 180 - 90);
            }
            float[] lanes = VectorKernels.exp(jdk.incubator.vector.FloatVector.fromArray(species, x, 0)).toArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToRawIntBits(VectorKernels.exp(x[i])), Float.floatToRawIntBits(lanes[i]),
                        "exp(" + x[i] + ")");
            }
        }
        // the first call runs interpreted or C1-compiled, the last after thousands: the bits must not change
        INDArray in = random(7, 5, 3, 67);
        INDArray cold = in.dup('c');
        Kernels.softmaxRows(cold);
        Kernels.Silu coldSilu = Kernels.silu(in, in);
        for (int i = 0; i < 3000; i++) {
            INDArray warm = in.dup('c');
            Kernels.softmaxRows(warm);
            Kernels.silu(in, in);
        }
        INDArray hot = in.dup('c');
        Kernels.softmaxRows(hot);
        org.junit.jupiter.api.Assertions.assertArrayEquals(io.adept4j.TestData.bits(cold), io.adept4j.TestData.bits(hot));
        org.junit.jupiter.api.Assertions.assertArrayEquals(io.adept4j.TestData.bits(coldSilu.activation()),
                io.adept4j.TestData.bits(Kernels.silu(in, in).activation()));
    }

    @Test
    void aFloatModelThroughTheKernelsHasTheGraphsLossAndGradients() {
        // T = 40: attention rows span whole vectors and a remainder; grouped queries, q/k norms, an odd vocabulary
        assertTrue(Kernels.vectorised(), "the tests run with --add-modules=jdk.incubator.vector (surefire's argLine)");
        LmConfig c = new LmConfig(37, 16, 2, 4, 2, 4, 24, 40, 1e4, 1e-5, true, true, true, null); // q/k norms, biases
        CausalLm lm = CausalLm.build(c, CausalLmTest.randomWeights(c, 8), 40, DataType.FLOAT);
        DataSet batch = DirectPassTest.batch(c, 40, 9);
        List<String> all = new ArrayList<>(lm.weights().keySet());
        CausalLm.LossAndGradients graph = lm.using(CausalLm.Pass.SAMEDIFF).lossAndGradients(batch, all);
        CausalLm.LossAndGradients direct = lm.using(CausalLm.Pass.DIRECT).lossAndGradients(batch, all);
        assertEquals(graph.loss(), direct.loss(), 1e-5);
        for (String name : all) {
            INDArray g = graph.gradients().get(name);
            double scale = Math.max(1e-3, g.amaxNumber().doubleValue());
            double d = maxDiff(g, direct.gradients().get(name));
            assertTrue(d <= 2e-4 * scale, name + ": max |Δ| " + d + " against max " + scale);
        }
    }
}
