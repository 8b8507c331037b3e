package io.adept4j.eval;

import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.WindowSource;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmHead;

/** Mean token loss and perplexity of a model on a set of windows (every unmasked token counted once). */
public final class Perplexity {

    /**
     * @param meanLoss   mean next-token cross-entropy in nats
     * @param perplexity exp(meanLoss)
     * @param tokens     predicted tokens counted
     */
    public record Result(double meanLoss, double perplexity, long tokens) {
    }

    private Perplexity() {
    }

    /**
     * Evaluates in window order.
     *
     * @param maxBatches at most this many batches (≤ 0 = all): a fixed prefix, so repeated evaluations compare
     */
    public static Result evaluate(CausalLm model, WindowSource windows, int batchSize, int maxBatches) {
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(windows, batchSize, BatchLayout.SAMEDIFF,
                model.config().vocabSize(), false, 0);
        double sum = 0;
        double count = 0;
        int batches = 0;
        while (it.hasNext() && (maxBatches <= 0 || batches < maxBatches)) {
            LmHead.Result r = model.evaluate(it.next());
            sum += r.tokenLossSum();
            count += r.tokens();
            batches++;
        }
        double mean = sum / count;
        return new Result(mean, Math.exp(mean), Math.round(count));
    }
}
