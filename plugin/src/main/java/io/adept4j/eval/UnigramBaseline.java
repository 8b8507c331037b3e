package io.adept4j.eval;

import io.adept4j.datavec.window.TokenWindows;

/**
 * The perplexity of the best context-free model: token frequencies of the training windows (add-one smoothed over the
 * vocabulary) scored on the validation windows. A language model that does not beat it has learned nothing of context.
 */
public final class UnigramBaseline {

    private UnigramBaseline() {
    }

    /** Unigram perplexity of {@code validation} under frequencies counted on {@code train}. */
    public static double perplexity(TokenWindows train, TokenWindows validation, int vocabSize) {
        long[] counts = new long[vocabSize];
        long total = count(train, counts, null);
        double[] logp = new double[vocabSize];
        for (int v = 0; v < vocabSize; v++) {
            logp[v] = Math.log((counts[v] + 1.0) / (total + vocabSize));
        }
        double[] nll = {0};
        long n = count(validation, null, (id) -> nll[0] -= logp[id]);
        return Math.exp(nll[0] / n);
    }

    private static long count(TokenWindows w, long[] counts, java.util.function.IntConsumer each) {
        int t = w.length();
        int[] tokens = new int[t + 1];
        byte[] mask = new byte[t];
        long n = 0;
        for (int i = 0; i < w.size(); i++) {
            w.tokens(i, tokens, 0);
            w.labelMask(i, mask, 0);
            for (int p = 0; p < t; p++) {
                if (mask[p] != 0) {
                    int id = tokens[p + 1];
                    if (counts != null) {
                        counts[id]++;
                    }
                    if (each != null) {
                        each.accept(id);
                    }
                    n++;
                }
            }
        }
        return n;
    }
}
