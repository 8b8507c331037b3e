package io.adept4j.train;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * Linear warm-up from 0 to {@code peak} over {@code warmupSteps}, then cosine decay to {@code peak·minRatio} at
 * {@code totalSteps} (and flat after). The value depends on the iteration only, so a resumed run continues exactly.
 */
public final class WarmupCosineSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    private final double peak;
    private final int warmupSteps;
    private final int totalSteps;
    private final double minRatio;

    public WarmupCosineSchedule(double peak, int warmupSteps, int totalSteps, double minRatio) {
        if (!(peak > 0) || warmupSteps < 0 || totalSteps < 1 || !(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("invalid schedule: peak=" + peak + " warmup=" + warmupSteps + " total="
                    + totalSteps + " minRatio=" + minRatio);
        }
        this.peak = peak;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
        this.minRatio = minRatio;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmupSteps) {
            return peak * (iteration + 1) / warmupSteps;
        }
        int decay = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (iteration - warmupSteps) / (double) decay);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return peak * (minRatio + (1 - minRatio) * cosine);
    }

    @Override
    public ISchedule clone() {
        return new WarmupCosineSchedule(peak, warmupSteps, totalSteps, minRatio);
    }
}
