package io.adept4j.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One method over its seeds: mean and sample standard deviation of what the goals are judged on, the validation-loss
 * changes in nats per token (after − before, each seed against its own before), and the perplexity changes and
 * training time shown beside them.
 *
 * @param method               method name
 * @param seeds                the seeds it ran
 * @param trainableShare       trainable share of the parameters (the same for every seed)
 * @param generalLossChange    general validation loss change, nats (positive: forgetting)
 * @param domainLossChange     domain validation loss change, nats (negative: learning)
 * @param generalPerplexityChange relative general perplexity change
 * @param domainPerplexityChange  relative domain perplexity change
 * @param trainSeconds         training time
 */
public record MethodSummary(String method, List<Long> seeds, double trainableShare, Stat generalLossChange,
                            Stat domainLossChange, Stat generalPerplexityChange, Stat domainPerplexityChange,
                            Stat trainSeconds) {

    /**
     * Mean, sample standard deviation (0 for one value) and the values themselves.
     *
     * @param mean   arithmetic mean
     * @param sd     sample standard deviation (n − 1)
     * @param values one per seed, in seed order
     */
    public record Stat(double mean, double sd, List<Double> values) {

        static Stat of(List<Double> v) {
            double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double ss = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
            return new Stat(mean, v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0.0, List.copyOf(v));
        }
    }

    /** One summary per method, in the order the methods first ran. */
    public static List<MethodSummary> of(List<AdeptRun.MethodResult> rows) {
        Map<String, List<AdeptRun.MethodResult>> byMethod = new LinkedHashMap<>();
        rows.forEach(r -> byMethod.computeIfAbsent(r.method(), m -> new ArrayList<>()).add(r));
        List<MethodSummary> out = new ArrayList<>();
        byMethod.forEach((m, rs) -> out.add(new MethodSummary(m, rs.stream().map(AdeptRun.MethodResult::seed).toList(),
                rs.get(0).trainableShare(), stat(rs, r -> r.generalLossAfter() - r.generalLossBefore()),
                stat(rs, r -> r.domainLossAfter() - r.domainLossBefore()),
                stat(rs, AdeptRun.MethodResult::generalPerplexityChange),
                stat(rs, AdeptRun.MethodResult::domainPerplexityChange), stat(rs, AdeptRun.MethodResult::trainSeconds))));
        return out;
    }

    private static Stat stat(List<AdeptRun.MethodResult> rs, ToDoubleFunction<AdeptRun.MethodResult> f) {
        return Stat.of(rs.stream().map(r -> f.applyAsDouble(r)).toList());
    }
}
