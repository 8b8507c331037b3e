package io.adept4j.sweep;

import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sweep's time budget: once spent, no further candidate starts, and the sweep ends when the candidates in flight
 * have finished. (Arbiter's own {@code MaxTimeCondition} shuts the runner down with candidates still running; their
 * ND4J work does not stop on interrupt, so it would go on in the background and be lost.)
 */
public final class TimeBudget implements TerminationCondition {

    private final long budgetMillis;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long deadline = Long.MAX_VALUE;

    /** @param seconds the budget; ≤ 0 = none */
    public TimeBudget(double seconds) {
        this.budgetMillis = seconds > 0 ? Math.round(seconds * 1000) : 0;
    }

    /** Starts the clock (also done by Arbiter through {@link #initialize}). */
    public void start() {
        if (budgetMillis > 0 && deadline == Long.MAX_VALUE) {
            deadline = System.currentTimeMillis() + budgetMillis;
        }
    }

    /** Whether a candidate may start now; if so it counts as in flight until {@link #finished()}. */
    public boolean tryStart() {
        if (System.currentTimeMillis() >= deadline) {
            return false;
        }
        inFlight.incrementAndGet();
        return true;
    }

    /** A candidate that {@link #tryStart() started} has ended. */
    public void finished() {
        inFlight.decrementAndGet();
    }

    /** Whether the budget is spent. */
    public boolean spent() {
        return System.currentTimeMillis() >= deadline;
    }

    @Override
    public void initialize(IOptimizationRunner runner) {
        start();
    }

    @Override
    public boolean terminate(IOptimizationRunner runner) {
        return spent() && inFlight.get() == 0;
    }

    @Override
    public String toString() {
        return "TimeBudget(" + budgetMillis + " ms)";
    }
}
