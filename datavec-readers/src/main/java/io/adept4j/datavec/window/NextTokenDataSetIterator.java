package io.adept4j.datavec.window;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Next-token prediction batches from a {@link WindowSource}: features are tokens {@code [0..T-1]} of each window,
 * labels tokens {@code [1..T]}, with a label mask that hides padding and masked prompt tokens and a features mask that
 * hides padding. Optionally shuffled with a seed; each {@link #reset()} starts the next epoch with a new, still
 * reproducible order.
 */
public class NextTokenDataSetIterator implements DataSetIterator {

    private static final long serialVersionUID = 1L;

    private final transient WindowSource source;
    private final int batchSize;
    private final BatchLayout layout;
    private final int vocabSize;
    private final boolean shuffle;
    private final long seed;
    private int[] order;
    private int cursor;
    private int epoch;
    private DataSetPreProcessor preProcessor;

    /**
     * @param source    the windows
     * @param batchSize windows per batch (the last batch of an epoch may be smaller)
     * @param layout    array layout of the batches
     * @param vocabSize vocabulary size (needed for one-hot labels and {@link #totalOutcomes()})
     * @param shuffle   shuffle windows every epoch
     * @param seed      seed of the shuffle
     */
    public NextTokenDataSetIterator(WindowSource source, int batchSize, BatchLayout layout, int vocabSize,
                                    boolean shuffle, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (source.size() == 0) {
            throw new IllegalArgumentException("no windows to iterate over");
        }
        this.source = source;
        this.batchSize = batchSize;
        this.layout = layout;
        this.vocabSize = vocabSize;
        this.shuffle = shuffle;
        this.seed = seed;
        newEpochOrder();
    }

    private void newEpochOrder() {
        int n = source.size();
        order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rnd = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        cursor = 0;
    }

    /**
     * Positions the iterator at batch {@code batchIndex} of epoch {@code epoch}, exactly where an iterator that had
     * served those batches would be (used to resume training).
     */
    public void seek(int epoch, int batchIndex) {
        if (epoch < 0 || batchIndex < 0 || batchIndex > batchesPerEpoch()) {
            throw new IllegalArgumentException("cannot seek to epoch " + epoch + ", batch " + batchIndex + " of "
                    + batchesPerEpoch());
        }
        this.epoch = epoch;
        newEpochOrder();
        cursor = Math.min(order.length, batchIndex * batchSize);
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        return (source.size() + batchSize - 1) / batchSize;
    }

    /** Epochs completed by {@link #reset()} so far. */
    public int epoch() {
        return epoch;
    }

    /** The underlying windows. */
    public WindowSource source() {
        return source;
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call reset()");
        }
        int b = Math.min(num, order.length - cursor);
        int t = source.length();
        int[] tokens = new int[b * (t + 1)];
        byte[] labelMask = new byte[b * t];
        byte[] inputMask = new byte[b * t];
        for (int r = 0; r < b; r++) {
            int w = order[cursor + r];
            source.tokens(w, tokens, r * (t + 1));
            source.labelMask(w, labelMask, r * t);
            source.inputMask(w, inputMask, r * t);
        }
        cursor += b;
        DataSet ds = layout == BatchLayout.SAMEDIFF ? sameDiff(b, t, tokens, labelMask, inputMask)
                : dl4jRnn(b, t, tokens, labelMask, inputMask);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    private static DataSet sameDiff(int b, int t, int[] tokens, byte[] labelMask, byte[] inputMask) {
        int[] in = new int[b * t];
        int[] out = new int[b * t];
        float[] lm = new float[b * t];
        float[] fm = new float[b * t];
        for (int r = 0; r < b; r++) {
            System.arraycopy(tokens, r * (t + 1), in, r * t, t);
            System.arraycopy(tokens, r * (t + 1) + 1, out, r * t, t);
        }
        for (int i = 0; i < b * t; i++) {
            lm[i] = labelMask[i];
            fm[i] = inputMask[i];
        }
        return new DataSet(Nd4j.createFromArray(in).reshape(b, t), Nd4j.createFromArray(out).reshape(b, t),
                Nd4j.createFromArray(fm).reshape(b, t), Nd4j.createFromArray(lm).reshape(b, t));
    }

    private DataSet dl4jRnn(int b, int t, int[] tokens, byte[] labelMask, byte[] inputMask) {
        float[] in = new float[b * t];
        float[] lm = new float[b * t];
        float[] fm = new float[b * t];
        INDArray labels = Nd4j.zeros(DataType.FLOAT, b, vocabSize, t);
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                in[r * t + i] = tokens[r * (t + 1) + i];
                int next = tokens[r * (t + 1) + i + 1];
                labels.putScalar(new long[]{r, next, i}, 1f);
                lm[r * t + i] = labelMask[r * t + i];
                fm[r * t + i] = inputMask[r * t + i];
            }
        }
        return new DataSet(Nd4j.createFromArray(in).reshape(b, 1, t), labels,
                Nd4j.createFromArray(fm).reshape(b, t), Nd4j.createFromArray(lm).reshape(b, t));
    }

    @Override
    public int inputColumns() {
        return layout == BatchLayout.SAMEDIFF ? source.length() : 1;
    }

    @Override
    public int totalOutcomes() {
        return vocabSize;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    /** Starts the next epoch (a new shuffle order when shuffling). */
    @Override
    public void reset() {
        epoch++;
        newEpochOrder();
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
