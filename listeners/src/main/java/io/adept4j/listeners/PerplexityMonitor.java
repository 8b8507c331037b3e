package io.adept4j.listeners;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Evaluates a GENERAL and a DOMAIN validation loss every N steps, records both curves, and guards against forgetting:
 * when the general loss exceeds its value at the start by more than a margin (in nats per token), it warns or stops
 * the run. Framework-neutral: {@link #afterStep} is called by a training loop, a SameDiff {@link SameDiffAdapter} or a
 * DL4J {@link Dl4jAdapter}.
 */
public final class PerplexityMonitor {

    /** What the forgetting guard does when the margin is exceeded. */
    public enum GuardAction { OFF, WARN, STOP }

    /** One evaluation: step, mean loss per token, perplexity. */
    public record Point(long step, double loss, double perplexity) {
    }

    private final DoubleSupplier general;
    private final DoubleSupplier domain;
    private final int every;
    private final double margin;
    private final GuardAction action;
    private final PrintWriter log;
    private final List<Point> generalCurve = new ArrayList<>();
    private final List<Point> domainCurve = new ArrayList<>();
    private double generalStart = Double.NaN;
    private boolean warned;

    /**
     * @param general mean validation loss on the general set (evaluated on demand)
     * @param domain  mean validation loss on the domain set
     * @param every   evaluate every N steps (≥ 1)
     * @param margin  allowed rise of the general loss over its first value, nats per token (≥ 0)
     * @param action  what the guard does when the rise exceeds {@code margin}
     */
    public PerplexityMonitor(DoubleSupplier general, DoubleSupplier domain, int every, double margin,
                             GuardAction action, PrintWriter log) {
        if (every < 1) {
            throw new IllegalArgumentException("evaluation interval must be at least 1 step, got " + every);
        }
        if (!(margin >= 0)) {
            throw new IllegalArgumentException("forgetting margin must be >= 0 nats, got " + margin);
        }
        this.general = general;
        this.domain = domain;
        this.every = every;
        this.margin = margin;
        this.action = action;
        this.log = log;
    }

    /** Evaluates both sets now and records them at {@code step} (the first call sets the guard's reference). */
    public Point[] evaluate(long step) {
        double g = general.getAsDouble();
        double d = domain.getAsDouble();
        Point gp = new Point(step, g, Math.exp(g));
        Point dp = new Point(step, d, Math.exp(d));
        generalCurve.add(gp);
        domainCurve.add(dp);
        if (Double.isNaN(generalStart)) {
            generalStart = g;
        }
        guard(step, g);
        return new Point[]{gp, dp};
    }

    /** Called after each finished step ({@code step} = steps done); evaluates every {@code every} steps. */
    public void afterStep(long step) {
        if (step % every == 0) {
            evaluate(step);
        }
    }

    private void guard(long step, double g) {
        double rise = g - generalStart;
        if (action == GuardAction.OFF || !(rise > margin)) {
            return;
        }
        String msg = String.format(Locale.ROOT, "forgetting guard: general loss %.4f at step %d is %.4f nats above its "
                + "start %.4f (margin %.4f)", g, step, rise, generalStart, margin);
        if (action == GuardAction.STOP) {
            throw new ForgettingException(msg, step);
        }
        if (!warned && log != null) {
            log.println("[warn] " + msg + "; training goes on (guard action WARN)");
            warned = true;
        }
    }

    /** Continues from curves recorded earlier (a resumed run); the first general point is the guard's reference. */
    public void restore(List<Point> general, List<Point> domain) {
        generalCurve.clear();
        domainCurve.clear();
        generalCurve.addAll(general);
        domainCurve.addAll(domain);
        generalStart = general.isEmpty() ? Double.NaN : general.get(0).loss();
    }

    /** General-set curve so far. */
    public List<Point> generalCurve() {
        return Collections.unmodifiableList(generalCurve);
    }

    /** Domain-set curve so far. */
    public List<Point> domainCurve() {
        return Collections.unmodifiableList(domainCurve);
    }

    /** Thrown by a guard with action {@link GuardAction#STOP}; what was trained so far is intact. */
    public static final class ForgettingException extends RuntimeException {
        private final long step;

        public ForgettingException(String message, long step) {
            super(message);
            this.step = step;
        }

        /** The step at which the guard fired. */
        public long step() {
            return step;
        }
    }

    /** This monitor as a SameDiff listener (evaluates after every N training iterations). */
    public SameDiffAdapter asSameDiffListener() {
        return new SameDiffAdapter(this);
    }

    /** This monitor as a DL4J training listener. */
    public Dl4jAdapter asTrainingListener() {
        return new Dl4jAdapter(this);
    }

    /** SameDiff form. */
    public static final class SameDiffAdapter extends org.nd4j.autodiff.listeners.BaseListener {
        private final PerplexityMonitor monitor;

        SameDiffAdapter(PerplexityMonitor monitor) {
            this.monitor = monitor;
        }

        @Override
        public boolean isActive(org.nd4j.autodiff.listeners.Operation operation) {
            return operation == org.nd4j.autodiff.listeners.Operation.TRAINING;
        }

        @Override
        public void iterationDone(org.nd4j.autodiff.samediff.SameDiff sd, org.nd4j.autodiff.listeners.At at,
                                  org.nd4j.linalg.dataset.api.MultiDataSet dataSet,
                                  org.nd4j.autodiff.listeners.Loss loss) {
            monitor.afterStep(at.iteration() + 1L);
        }
    }

    /** DL4J form. */
    public static final class Dl4jAdapter extends org.deeplearning4j.optimize.api.BaseTrainingListener {
        private final PerplexityMonitor monitor;

        Dl4jAdapter(PerplexityMonitor monitor) {
            this.monitor = monitor;
        }

        @Override
        public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
            monitor.afterStep(iteration + 1L);
        }
    }
}
