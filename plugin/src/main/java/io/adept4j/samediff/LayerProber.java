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
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ADEPT's Stage 1a: on a GENERAL probe set, the loss increase ΔL_l when block l is skipped (its output becomes its
 * input, the "residual bypass"), for every block.
 *
 * <p>The probe is a sum over batches: {@link #measure} gives each batch's ΔL per block, {@link #combine} the result,
 * so the batches may be measured on several machines (the {@code spark} module's sharded probe). Padding and masked
 * prompt tokens never count (unlike the reference code, which scores padding).
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

    /**
     * One probe batch's measurement: the sums the probe's result is made of, so a probe split over machines combines
     * exactly ({@link #combine}).
     *
     * @param batch          the batch's position in the probe set
     * @param deltaLoss      per block, this batch's loss with the block skipped − its base loss
     * @param baseLossSum    sum of the base model's token losses
     * @param tokens         tokens counted
     * @param forwardSeconds time of the batch's full forward pass (for {@link ProbeResult#forwardEquivalents})
     */
    public record BatchDelta(int batch, double[] deltaLoss, double baseLossSum, double tokens, double forwardSeconds)
            implements java.io.Serializable {
    }

    /** Probes every block of {@code model} on {@code probe} windows (which must fit the model's sequence length). */
    public ProbeResult probe(CausalLm model, WindowSource probe) {
        long t0 = System.nanoTime();
        List<BatchDelta> deltas = measure(model, batches(model, probe), 0);
        return combine(model, deltas, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The probe set's batches in order, at most {@code maxBatches} of them: what {@link #probe} measures, and what a
     * sharded probe hands out.
     */
    public Iterator<DataSet> batches(CausalLm model, WindowSource probe) {
        if (probe.length() != model.seqLen()) {
            throw new IllegalArgumentException("probe windows have length " + probe.length() + " but the model was built for "
                    + model.seqLen());
        }
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(probe, batchSize, BatchLayout.SAMEDIFF,
                model.config().vocabSize(), false, 0);
        return new Iterator<>() {
            private int served;

            @Override
            public boolean hasNext() {
                return it.hasNext() && (maxBatches <= 0 || served < maxBatches);
            }

            @Override
            public DataSet next() {
                served++;
                return it.next();
            }
        };
    }

    /**
     * ΔL of every block on each of {@code batches}, numbered from {@code firstBatch}. Skipping block l leaves everything
     * below l unchanged, so each batch runs the full model once, keeping the residual stream entering every block, and
     * for each l only blocks l+1.. (a suffix model built once) on the stream that entered l.
     */
    public static List<BatchDelta> measure(CausalLm model, Iterator<DataSet> batches, int firstBatch) {
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
        List<BatchDelta> out = new ArrayList<>();
        for (int index = firstBatch; batches.hasNext(); index++) {
            DataSet batch = batches.next();
            long f0 = System.nanoTime();
            CausalLm.Streams streams = model.residualStreams(batch.getFeatures());
            LmHead.Result base = model.evaluateHidden(streams.hidden(), batch);
            double forward = (System.nanoTime() - f0) / 1e9;
            double[] d = new double[layers];
            for (int l = 0; l < layers; l++) {
                d[l] = suffixes.get(l).evaluateFromResidual(streams.residuals()[l], batch).loss() - base.loss();
            }
            out.add(new BatchDelta(index, d, base.tokenLossSum(), base.tokens(), forward));
        }
        return out;
    }

    /**
     * The probe's result from per-batch measurements, in any order and from any number of machines: ΔL per block is the
     * mean over batches, with its standard error; the base loss is per token. The same batches give the same result
     * wherever they were measured.
     *
     * @param wallSeconds the whole probe's time
     */
    public static ProbeResult combine(CausalLm model, List<BatchDelta> measured, double wallSeconds) {
        if (measured.isEmpty()) {
            throw new IllegalArgumentException("the probe set has no batch");
        }
        List<BatchDelta> deltas = new ArrayList<>(measured);
        deltas.sort(Comparator.comparingInt(BatchDelta::batch));
        int layers = model.config().numLayers();
        int batches = deltas.size();
        double baseSum = 0;
        double tokens = 0;
        double fullForwardSeconds = 0;
        for (BatchDelta b : deltas) {
            if (b.deltaLoss().length != layers) {
                throw new IllegalArgumentException("batch " + b.batch() + " has " + b.deltaLoss().length
                        + " block deltas, the model has " + layers + " blocks");
            }
            baseSum += b.baseLossSum();
            tokens += b.tokens();
            fullForwardSeconds += b.forwardSeconds();
        }
        List<ProbeResult.Layer> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            double mean = 0;
            for (BatchDelta b : deltas) {
                mean += b.deltaLoss()[l];
            }
            mean /= batches;
            double var = 0;
            for (BatchDelta b : deltas) {
                var += (b.deltaLoss()[l] - mean) * (b.deltaLoss()[l] - mean);
            }
            double se = batches > 1 ? Math.sqrt(var / (batches - 1) / batches) : Double.NaN;
            out.add(new ProbeResult.Layer(l, mean, se));
        }
        // the base pass ran the full model once per batch: the time of one full forward pass over the probe set
        double forwardEquivalents = fullForwardSeconds > 0 ? wallSeconds / fullForwardSeconds : Double.NaN;
        return new ProbeResult(ModelFingerprint.of(model), layers, baseSum / tokens, out, Math.round(tokens), batches,
                wallSeconds, forwardEquivalents);
    }
}
