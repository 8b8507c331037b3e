package io.adept4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Helpers shared by tests (also by the spark module's, through this module's test-jar): exact array comparison, a
 * synthetic classification task, and a tiny language model whose blocks matter.
 */
public final class TestData {

    private TestData() {
    }

    /** The float bit patterns of an array in c order (a view's own elements only). */
    public static int[] bits(INDArray a) {
        float[] f = a.dup('c').data().asFloat();
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    /** Batches labelled by a random linear teacher (seeded with {@code seed}): class = argmax(x·T), inputs N(shift, 1). */
    public static List<DataSet> linearTask(long seed, double shift, int batches, int size, int features, int classes) {
        Nd4j.getRandom().setSeed(seed);
        INDArray teacher = Nd4j.randn(DataType.FLOAT, features, classes);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, size, features).addi(shift);
            INDArray cls = x.mmul(teacher).argMax(1);
            INDArray y = Nd4j.zeros(DataType.FLOAT, size, classes);
            for (int i = 0; i < size; i++) {
                y.putScalar(i, cls.getInt(i), 1);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    /**
     * A tiny byte-level model shape for probe tests: 4 blocks of width 32, 4 query / 2 key-value heads, q/k norms,
     * windows up to 32 tokens.
     */
    public static final io.adept4j.model.LmConfig TINY_BYTE_MODEL = new io.adept4j.model.LmConfig(257, 32, 4, 4, 2, 8,
            48, 32, 1e4, 1e-5, true, true, false, new io.adept4j.datavec.tokenize.ByteTokenizer().spec());

    /**
     * A model of {@code cfg} with random weights, each non-norm tensor scaled by 1–5× (seeded), so that blocks differ
     * clearly and skipping any of them changes the loss.
     */
    public static io.adept4j.model.CausalLm distinctBlocks(io.adept4j.model.LmConfig cfg, long seed, int seqLen) {
        java.util.Map<String, INDArray> w = io.adept4j.model.CausalLm.initWeights(cfg, seed);
        java.util.Random r = new java.util.Random(seed);
        for (java.util.Map.Entry<String, INDArray> e : w.entrySet()) {
            if (!io.adept4j.model.LlamaLayout.isNorm(e.getKey())) {
                e.getValue().muli(1 + 4 * r.nextDouble());
            }
        }
        return io.adept4j.model.CausalLm.build(cfg, w, seqLen, DataType.FLOAT);
    }
}
