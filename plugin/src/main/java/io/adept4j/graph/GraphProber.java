package io.adept4j.graph;

import io.adept4j.stage1.ProbeResult;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * ADEPT Stage 1a for a {@code ComputationGraph}: ΔL per block on a general {@code DataSetIterator}, each block
 * deactivated in turn by zeroing its output projections ({@link OutputProjections}: the add then passes its input
 * through unchanged) and
 * restored exactly (from a copy) before the next block.
 */
public final class GraphProber {

    private final int maxBatches;

    /** @param maxBatches general batches used (the iterator is reset first) */
    public GraphProber(int maxBatches) {
        if (maxBatches < 1) {
            throw new IllegalArgumentException("maxBatches must be at least 1, got " + maxBatches);
        }
        this.maxBatches = maxBatches;
    }

    /** Probes every block on up to {@code maxBatches} batches of {@code general} (reset first when it can be). */
    public ProbeResult probe(ComputationGraph cg, List<GraphBlock> blocks, DataSetIterator general) {
        return probe(cg, blocks, take(general, maxBatches));
    }

    /** Probes every block on up to {@code maxBatches} of {@code general}; parameters are bit-identical afterwards. */
    public ProbeResult probe(ComputationGraph cg, List<GraphBlock> blocks, List<? extends DataSet> general) {
        long t0 = System.nanoTime();
        List<? extends DataSet> batches = general.subList(0, Math.min(maxBatches, general.size()));
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("the general iterator gave no batches to probe with");
        }
        double[] base = scores(cg, batches);
        double baseMean = mean(base);
        requireFinite(baseMean, "base loss");
        double tBase = (System.nanoTime() - t0) / 1e9;
        List<ProbeResult.Layer> layers = new ArrayList<>();
        for (GraphBlock b : blocks) {
            Map<String, INDArray> saved = new LinkedHashMap<>();
            for (String key : GraphBlocks.zeroingParams(cg, b)) {
                saved.put(key, cg.getParam(key).dup());
            }
            double[] skipped;
            try {
                saved.keySet().forEach(key -> cg.getParam(key).assign(0));
                skipped = scores(cg, batches);
            } finally {
                saved.forEach((key, p) -> cg.getParam(key).assign(p));
            }
            double[] d = new double[base.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = skipped[i] - base[i];
            }
            double m = mean(d);
            requireFinite(m, "loss with block " + b.index() + " skipped");
            double var = 0;
            for (double x : d) {
                var += (x - m) * (x - m);
            }
            double se = d.length > 1 ? Math.sqrt(var / (d.length - 1) / d.length) : 0;
            layers.add(new ProbeResult.Layer(b.index(), m, se));
        }
        long examples = batches.stream().mapToLong(DataSet::numExamples).sum();
        double wall = (System.nanoTime() - t0) / 1e9;
        return new ProbeResult(fingerprint(cg), blocks.size(), baseMean, layers, examples, batches.size(), wall,
                wall / Math.max(tBase, 1e-9));
    }

    static List<DataSet> take(DataSetIterator it, int max) {
        if (it.resetSupported()) {
            it.reset();
        }
        List<DataSet> out = new ArrayList<>();
        while (it.hasNext() && out.size() < max) {
            out.add(it.next());
        }
        return out;
    }

    private static double[] scores(ComputationGraph cg, List<? extends DataSet> batches) {
        double[] s = new double[batches.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = cg.score(batches.get(i), false);
        }
        return s;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static void requireFinite(double v, String what) {
        if (!Double.isFinite(v)) {
            throw new IllegalStateException(what + " is " + v + " (NaN or infinite): check the data and the model");
        }
    }

    /** CRC32 of the parameters' float bits and the vertex names: the same graph gives the same fingerprint. */
    public static String fingerprint(ComputationGraph cg) {
        CRC32 crc = new CRC32();
        for (var v : cg.getVertices()) {
            crc.update(v.getVertexName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        float[] p = cg.params().data().asFloat();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(p.length * 4);
        b.asFloatBuffer().put(p);
        crc.update(b.array());
        return "cg-" + Long.toHexString(crc.getValue()) + "-" + p.length;
    }
}
