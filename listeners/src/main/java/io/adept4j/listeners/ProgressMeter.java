package io.adept4j.listeners;

import org.slf4j.Logger;

import java.util.Locale;

/**
 * Progress of a long loop in one line: step, named values, tokens/s and ETA. Throughput counts only the steps since
 * the meter started (a resumed run does not claim the time of the run before it).
 */
public final class ProgressMeter {

    private final String label;
    private final long totalSteps;
    private final long startStep;
    private final long startNanos = System.nanoTime();
    private final Logger out;
    private long tokens;

    /**
     * @param label      prefix of every line, e.g. {@code pretrain}
     * @param startStep  the step the loop starts at (non-zero when resuming)
     * @param totalSteps the step it ends at
     * @param out        the logger the lines go to, at INFO
     */
    public ProgressMeter(String label, long startStep, long totalSteps, Logger out) {
        this.label = label;
        this.startStep = startStep;
        this.totalSteps = totalSteps;
        this.out = out;
    }

    /** Counts tokens processed in the step just finished. */
    public void addTokens(long n) {
        tokens += n;
    }

    /** Tokens counted so far. */
    public long addedTokens() {
        return tokens;
    }

    /** Seconds since the meter started. */
    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Tokens per second since the meter started. */
    public double tokensPerSecond() {
        double s = elapsedSeconds();
        return s > 0 ? tokens / s : 0;
    }

    /** Seconds left at the current pace, after {@code step} steps are done. */
    public double etaSeconds(long step) {
        long done = step - startStep;
        if (done <= 0) {
            return Double.NaN;
        }
        return elapsedSeconds() / done * (totalSteps - step);
    }

    /** Prints {@code [label] step s/total  k=v …  N tok/s  ETA m:ss}. */
    public void print(long step, String values) {
        print(step, values, "tok");
    }

    /** The same with another counted unit, e.g. {@code ex} for examples: {@code … N ex/s …}. */
    public void print(long step, String values, String unit) {
        out.info(String.format(Locale.ROOT, "[%s] step %d/%d  %s  %,.0f %s/s  ETA %s", label, step, totalSteps, values,
                tokensPerSecond(), unit, formatSeconds(etaSeconds(step))));
    }

    /** {@code m:ss} or {@code h:mm:ss}; {@code ?} when unknown. */
    public static String formatSeconds(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
