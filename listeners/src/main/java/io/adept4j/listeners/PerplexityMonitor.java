package io.adept4j.listeners;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Evaluates a GENERAL and a DOMAIN validation loss every N steps, records both curves, and guards against forgetting:
 * when the general loss exceeds its value at the start by more than a margin (in nats per token), it warns or stops
 * the run. Framework-neutral: a training loop calls {@link #afterStep} and ends with a plain {@code break} when it
 * answers with a reason to stop.
 */
public final class PerplexityMonitor {

    private static final Logger log = LoggerFactory.getLogger(PerplexityMonitor.class);

    /** What the forgetting guard does when the margin is exceeded: nothing, warn once, or stop the run. */
    public enum GuardAction {
        OFF, WARN, STOP;

        /** The name in configs, on the command line and in result.json: {@code warn}. */
        @JsonValue
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a {@link #configName()}. */
        @JsonCreator
        public static GuardAction parse(String name) {
            for (GuardAction a : values()) {
                if (a.configName().equals(name)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("'guard' must be one of off, warn, stop, got " + name);
        }
    }

    /** One evaluation: step, mean loss per token, perplexity. */
    public record Point(long step, double loss, double perplexity) {
    }

    private final DoubleSupplier general;
    private final DoubleSupplier domain;
    private final int every;
    private final double margin;
    private final GuardAction action;
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
                             GuardAction action) {
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
        this.action = java.util.Objects.requireNonNull(action, "guard action");
    }

    /**
     * Evaluates both sets now and records them at {@code step} (the first call sets the guard's reference).
     *
     * @return why the run should stop (the guard's action is {@code STOP} and the margin is exceeded), or null
     */
    public String evaluate(long step) {
        double g = general.getAsDouble();
        double d = domain.getAsDouble();
        Point gp = new Point(step, g, Math.exp(g));
        Point dp = new Point(step, d, Math.exp(d));
        generalCurve.add(gp);
        domainCurve.add(dp);
        if (Double.isNaN(generalStart)) {
            generalStart = g;
        }
        return guard(step, g);
    }

    /**
     * Called after each finished step ({@code step} = steps done); evaluates every {@code every} steps.
     *
     * @return why the run should stop, or null to go on
     */
    public String afterStep(long step) {
        return step % every == 0 ? evaluate(step) : null;
    }

    private String guard(long step, double g) {
        double rise = g - generalStart;
        if (action == GuardAction.OFF || !(rise > margin)) {
            return null;
        }
        String msg = String.format(Locale.ROOT, "forgetting guard: general loss %.4f at step %d is %.4f nats above its "
                + "start %.4f (margin %.4f)", g, step, rise, generalStart, margin);
        if (action == GuardAction.STOP) {
            return msg;
        }
        if (!warned) {
            log.warn("[warn] {}; training goes on (guard action WARN)", msg);
            warned = true;
        }
        return null;
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
}
