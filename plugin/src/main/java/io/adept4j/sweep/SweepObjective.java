package io.adept4j.sweep;

import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;

import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The score Arbiter minimises for a candidate: the domain loss after tuning, the general loss after tuning, or
 * {@code w · general + (1 − w) · domain}. Failed candidates score +∞.
 */
public final class SweepObjective implements ScoreFunction {

    private static final long serialVersionUID = 1L;

    /** Objective names. */
    public static final List<String> NAMES = List.of("domain", "general", "weighted");

    private final String name;
    private final double generalWeight;

    /**
     * @param name          domain, general or weighted
     * @param generalWeight weight of the general loss for {@code weighted}, in [0, 1]
     */
    public SweepObjective(String name, double generalWeight) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("objective must be one of " + NAMES + ", got " + name);
        }
        if (!(generalWeight >= 0 && generalWeight <= 1)) {
            throw new IllegalArgumentException("generalWeight must be in [0, 1], got " + generalWeight);
        }
        this.name = name;
        this.generalWeight = generalWeight;
    }

    /** The objective's value for an outcome. */
    public double value(CandidateOutcome o) {
        if (o.error() != null) {
            return Double.POSITIVE_INFINITY;
        }
        return switch (name) {
            case "domain" -> o.domainLossAfter();
            case "general" -> o.generalLossAfter();
            default -> generalWeight * o.generalLossAfter() + (1 - generalWeight) * o.domainLossAfter();
        };
    }

    /** How the objective reads, for reports. */
    public String describe() {
        return name.equals("weighted") ? String.format(java.util.Locale.ROOT, "%.2f x general loss + %.2f x domain loss",
                generalWeight, 1 - generalWeight) : name + " loss after tuning";
    }

    @Override
    public double score(Object model, DataProvider data, Map<String, Object> dataParameters) {
        return value((CandidateOutcome) model);
    }

    @Override
    public double score(Object model, Class<? extends DataSource> dataSource, Properties props) {
        return value((CandidateOutcome) model);
    }

    @Override
    public boolean minimize() {
        return true;
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return List.of(CandidateOutcome.class);
    }

    @Override
    public List<Class<?>> getSupportedDataTypes() {
        return List.of(Object.class);
    }
}
