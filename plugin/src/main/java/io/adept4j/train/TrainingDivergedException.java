package io.adept4j.train;

/** The training loss became NaN or infinite; no update was applied for that step. */
public class TrainingDivergedException extends IllegalStateException {

    public TrainingDivergedException(double loss, int step) {
        super("training diverged: loss is " + loss + " at step " + step + "; lower the learning rate");
    }

    /** The same failure with more context (where the last good state is). */
    public TrainingDivergedException(String message, TrainingDivergedException cause) {
        super(message, cause);
    }
}
