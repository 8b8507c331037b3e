package io.adept4j.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Training progress on the terminal (step, loss, tokens/s, ETA) every N iterations, as a SameDiff listener
 * ({@link #sameDiff}) or a DL4J training listener ({@link #dl4j}). Tokens are counted from the batch's label mask when
 * it has one (predicted tokens), else from its features' length.
 */
public final class ProgressListener {

    private ProgressListener() {
    }

    /** A SameDiff listener printing every {@code every} iterations of a run of {@code totalSteps}. */
    public static BaseListener sameDiff(String label, long totalSteps, int every, PrintWriter out) {
        ProgressMeter meter = new ProgressMeter(label, 0, totalSteps, out);
        return new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return operation == Operation.TRAINING;
            }

            @Override
            public void iterationDone(SameDiff sd, At at, MultiDataSet batch, Loss loss) {
                meter.addTokens(tokens(batch.getLabelsMaskArray(0), batch.getFeatures(0)));
                long done = at.iteration() + 1L;
                if (done % every == 0 || done == totalSteps) {
                    meter.print(done, String.format(Locale.ROOT, "loss %.4f", loss.totalLoss()));
                }
            }
        };
    }

    /**
     * A DL4J listener printing every {@code every} iterations; {@code tokensPerBatch} is what one iteration consumes
     * (DL4J does not hand the batch to listeners).
     */
    public static BaseTrainingListener dl4j(String label, long totalSteps, int every, long tokensPerBatch,
                                            PrintWriter out) {
        ProgressMeter meter = new ProgressMeter(label, 0, totalSteps, out);
        return new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                meter.addTokens(tokensPerBatch);
                long done = iteration + 1L;
                if (done % every == 0 || done == totalSteps) {
                    meter.print(done, String.format(Locale.ROOT, "loss %.4f", model.score()));
                }
            }
        };
    }

    private static long tokens(INDArray labelMask, INDArray features) {
        if (labelMask != null) {
            return Math.round(labelMask.sumNumber().doubleValue());
        }
        return features == null ? 0 : features.length();
    }
}
