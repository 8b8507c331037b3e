package io.adept4j.samediff;

import io.adept4j.stage1.ModelFingerprint;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.WindowSource;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.model.LmHead;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ADEPT's Stage 1a: on a GENERAL probe set, the loss increase ΔL_l when block l is skipped (its output becomes its
 * input, the "residual bypass"), for every block.
 *
 * <p>Skipping block l leaves everything below l unchanged, so the probe runs the full model once per batch, keeps the
 * residual stream entering every block, and for each l runs only blocks l+1.. (a suffix model built once) on the stream
 * that entered l. Padding and masked prompt tokens never count (unlike the reference code, which scores padding).
 */
public final class LayerProber {

    private final int batchSize;
    private final int maxBatches;

    /**
     * The probe set of a general corpus that is also used for training and validation: the training side of the split
     * {@code AdeptTrainer} makes with the same seed and window length (validation text is never probed), one padded
     * window sequence per document piece, as the reference probes per record.
     */
    public static io.adept4j.datavec.window.TokenWindows trainingSideWindows(
            java.util.List<io.adept4j.datavec.corpus.Document> general, io.adept4j.datavec.tokenize.Tokenizer tokenizer,
            int seqLen, long seed) {
        return trainingSideWindows(io.adept4j.datavec.window.SplitWindows.build("general", general,
                io.adept4j.datavec.window.SplitWindows.DEFAULT_VALIDATION_FRACTION, seed, tokenizer,
                io.adept4j.datavec.window.WindowSpec.packed(seqLen)), tokenizer, seqLen);
    }

    /** The probe set of a corpus already split (its training side, one padded window sequence per piece). */
    public static io.adept4j.datavec.window.TokenWindows trainingSideWindows(
            io.adept4j.datavec.window.SplitWindows split, io.adept4j.datavec.tokenize.Tokenizer tokenizer, int seqLen) {
        return io.adept4j.datavec.window.TokenWindows.build("general", split.trainDocs(), tokenizer,
                io.adept4j.datavec.window.WindowSpec.perDocument(seqLen));
    }

    /**
     * @param batchSize  windows per probe batch
     * @param maxBatches at most this many batches (≤ 0 = the whole probe set)
     */
    public LayerProber(int batchSize, int maxBatches) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("probe batch size must be at least 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.maxBatches = maxBatches;
    }

    /** Probes every block of {@code model} on {@code probe} windows (which must fit the model's sequence length). */
    public ProbeResult probe(CausalLm model, WindowSource probe) {
        if (probe.length() != model.seqLen()) {
            throw new IllegalArgumentException("probe windows have length " + probe.length() + " but the model was built for "
                    + model.seqLen());
        }
        long t0 = System.nanoTime();
        LmConfig c = model.config();
        int layers = c.numLayers();
        Map<String, INDArray> weights = model.weights();
        List<CausalLm> suffixes = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<Integer> rest = new ArrayList<>();
            for (int j = l + 1; j < layers; j++) {
                rest.add(j);
            }
            Map.Entry<LmConfig, Map<String, INDArray>> s = BlockStack.restack(c, weights, rest, Set.of());
            suffixes.add(CausalLm.build(s.getKey(), s.getValue(), model.seqLen(), model.dataType()));
        }
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(probe, batchSize, BatchLayout.SAMEDIFF,
                c.vocabSize(), false, 0);
        List<double[]> deltas = new ArrayList<>(); // per batch: ΔL of every layer
        double baseSum = 0;
        double tokens = 0;
        double fullForwardSeconds = 0;
        int batches = 0;
        while (it.hasNext() && (maxBatches <= 0 || batches < maxBatches)) {
            DataSet batch = it.next();
            long f0 = System.nanoTime();
            CausalLm.Streams streams = model.residualStreams(batch.getFeatures());
            LmHead.Result base = model.evaluateHidden(streams.hidden(), batch);
            fullForwardSeconds += (System.nanoTime() - f0) / 1e9;
            double[] d = new double[layers];
            for (int l = 0; l < layers; l++) {
                d[l] = suffixes.get(l).evaluateFromResidual(streams.residuals()[l], batch).loss() - base.loss();
            }
            deltas.add(d);
            baseSum += base.tokenLossSum();
            tokens += base.tokens();
            batches++;
        }
        if (batches == 0) {
            throw new IllegalArgumentException("the probe set has no batch");
        }
        List<ProbeResult.Layer> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            double mean = 0;
            for (double[] d : deltas) {
                mean += d[l];
            }
            mean /= batches;
            double var = 0;
            for (double[] d : deltas) {
                var += (d[l] - mean) * (d[l] - mean);
            }
            double se = batches > 1 ? Math.sqrt(var / (batches - 1) / batches) : Double.NaN;
            out.add(new ProbeResult.Layer(l, mean, se));
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        // the base pass above ran the full model once per batch: the time of one full forward pass over the probe set
        double forwardEquivalents = fullForwardSeconds > 0 ? wall / fullForwardSeconds : Double.NaN;
        return new ProbeResult(ModelFingerprint.of(model), layers, baseSum / tokens, out, Math.round(tokens), batches,
                wall, forwardEquivalents);
    }
}
