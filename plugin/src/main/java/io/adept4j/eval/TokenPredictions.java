package io.adept4j.eval;

import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.WindowSource;
import io.adept4j.model.CausalLm;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * Top-1 next-token predictions over a fixed prefix of a window set: accuracy, and the share of tokens whose top-1
 * prediction differs from another model's (the paper's token-distribution-shift analysis, in its cheapest form).
 */
public final class TokenPredictions {

    private final int[] predicted;
    private final int[] target;

    private TokenPredictions(int[] predicted, int[] target) {
        this.predicted = predicted;
        this.target = target;
    }

    /** Predictions of {@code model} on the first {@code maxBatches} batches (window order), unmasked tokens only. */
    public static TokenPredictions of(CausalLm model, WindowSource windows, int batchSize, int maxBatches) {
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(windows, batchSize, BatchLayout.SAMEDIFF,
                model.config().vocabSize(), false, 0);
        List<int[]> preds = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        int batches = 0;
        while (it.hasNext() && batches < maxBatches) {
            DataSet b = it.next();
            INDArray logits = model.logits(b.getFeatures());               // [B, T, V]
            int[] top = logits.argMax(2).reshape(-1).toIntVector();        // [B·T]
            int[] next = b.getLabels().reshape(-1).toIntVector();
            double[] mask = b.getLabelsMaskArray().reshape(-1).toDoubleVector();
            int n = 0;
            for (double v : mask) {
                n += v > 0 ? 1 : 0;
            }
            int[] p = new int[n];
            int[] t = new int[n];
            int j = 0;
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] > 0) {
                    p[j] = top[i];
                    t[j] = next[i];
                    j++;
                }
            }
            preds.add(p);
            targets.add(t);
            batches++;
        }
        return new TokenPredictions(concat(preds), concat(targets));
    }

    private static int[] concat(List<int[]> parts) {
        int[] out = new int[parts.stream().mapToInt(a -> a.length).sum()];
        int o = 0;
        for (int[] a : parts) {
            System.arraycopy(a, 0, out, o, a.length);
            o += a.length;
        }
        return out;
    }

    /** Tokens scored. */
    public int tokens() {
        return predicted.length;
    }

    /** Share of tokens whose top-1 prediction is the actual next token. */
    public double accuracy() {
        int hit = 0;
        for (int i = 0; i < predicted.length; i++) {
            hit += predicted[i] == target[i] ? 1 : 0;
        }
        return predicted.length == 0 ? Double.NaN : (double) hit / predicted.length;
    }

    /** Share of tokens whose top-1 prediction differs from {@code other}'s on the same tokens. */
    public double shiftFrom(TokenPredictions other) {
        if (other.predicted.length != predicted.length) {
            throw new IllegalArgumentException("predictions over different token sets: " + predicted.length + " vs "
                    + other.predicted.length);
        }
        int changed = 0;
        for (int i = 0; i < predicted.length; i++) {
            changed += predicted[i] != other.predicted[i] ? 1 : 0;
        }
        return predicted.length == 0 ? Double.NaN : (double) changed / predicted.length;
    }
}
