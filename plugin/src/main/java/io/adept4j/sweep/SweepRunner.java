package io.adept4j.sweep;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.listeners.AtomicDirectory;
import io.adept4j.run.AdeptRun;
import io.adept4j.run.RunConfig;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs a sweep with Arbiter: a grid or random generator over an {@link AdeptSpace}, one {@code AdeptRun} of the sweep's
 * method (ADEPT unless it names another, e.g. {@code lora} over {@code loraRank}) per candidate ({@link AdeptTaskCreator}), scored by a {@link SweepObjective}. Every candidate's full {@code result.json}
 * lands in {@code OUT/candidates/<key hash>/}; a restarted sweep regenerates the same candidates (fixed seed, same
 * order) and reuses those already on disk instead of running them again.
 */
public final class SweepRunner {

    /** The whole sweep: every candidate, the Pareto front (indices into {@code candidates}) and the best one. */
    public record Result(Map<String, Object> settings, List<CandidateOutcome> candidates, List<Double> scores,
                         List<Integer> paretoFront, Integer best, int executed, int reused, double wallSeconds) {
    }

    /** Outcome of a candidate the time budget did not let start (not recorded). */
    private static final String NOT_STARTED = "not started: the time budget was spent";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final SweepSettings settings;
    private static final Logger log = LoggerFactory.getLogger(SweepRunner.class);

    public SweepRunner(SweepSettings settings) {
        this.settings = settings;
    }

    /** Arbiter wants a data provider; candidates read their corpora themselves. */
    private static final class NoData implements DataProvider {
        private static final long serialVersionUID = 1L;

        @Override
        public Object trainData(Map<String, Object> p) {
            return null;
        }

        @Override
        public Object testData(Map<String, Object> p) {
            return null;
        }

        @Override
        public Class<?> getDataType() {
            return Object.class;
        }
    }

    /** Runs (or resumes) the sweep into {@code out}. */
    public Result run(List<Document> general, List<Document> domain, Path out) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(out.resolve("candidates"));
        List<CandidateOutcome> outcomes = new CopyOnWriteArrayList<>();
        TimeBudget time = new TimeBudget(settings.maxMinutes() * 60);
        time.start();
        AdeptTaskCreator tasks = new AdeptTaskCreator((point, index) -> {
            if (!time.tryStart()) {
                return new CandidateOutcome(index, point.key(), point.values(), Double.NaN, Double.NaN, Double.NaN,
                        Double.NaN, Double.NaN, Double.NaN, 0, null, false, NOT_STARTED);
            }
            CandidateOutcome o;
            try {
                o = candidate(point, index, general, domain, out);
            } finally {
                time.finished();
            }
            outcomes.add(o);
            log.info(String.format("[sweep] candidate %d %s: general loss %.4f, domain loss %.4f%s", index, point.key(),
                    o.generalLossAfter(), o.domainLossAfter(), o.reused() ? " (finished earlier, reused)" : ""));
            return o;
        });
        CandidateGenerator gen;
        int budget = settings.candidates();
        if (settings.search().equals("grid")) {
            int points = settings.gridPoints();
            for (var p : settings.space().collectLeaves()) {
                if (p instanceof IntegerParameterSpace ip) { // every integer in range, not a coarser subset
                    points = Math.max(points, ip.getMax() - ip.getMin() + 1);
                }
            }
            GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(settings.space(), points,
                    GridSearchCandidateGenerator.Mode.Sequential, null);
            budget = Math.min(budget, grid.getTotalNumCandidates()); // an exhausted grid never stops Arbiter's runner
            gen = grid;
        } else {
            gen = new RandomSearchGenerator(settings.space(), null);
        }
        List<TerminationCondition> stop = new ArrayList<>();
        stop.add(new MaxCandidatesCondition(budget));
        if (settings.maxMinutes() > 0) {
            stop.add(time);
        }
        OptimizationConfiguration conf = new OptimizationConfiguration.Builder().candidateGenerator(gen)
                .dataProvider(new NoData()).scoreFunction(settings.objective()).terminationConditions(stop)
                .rngSeed(settings.seed()).build();
        log.info(String.format("[sweep] %s search over %s, %d candidates at most%s, %d at a time -> %s", settings.search(),
                settings.space().knobs().keySet(), budget,
                settings.maxMinutes() > 0 ? " or " + settings.maxMinutes() + " min" : "", settings.parallelism(), out));
        LocalOptimizationRunner runner = new LocalOptimizationRunner(settings.parallelism(), conf, tasks);
        runner.execute();
        List<CandidateOutcome> sorted = new ArrayList<>(outcomes);
        sorted.sort(Comparator.comparingInt(CandidateOutcome::index));
        double[] g = new double[sorted.size()];
        double[] d = new double[sorted.size()];
        List<Double> scores = new ArrayList<>();
        Integer best = null;
        for (int i = 0; i < sorted.size(); i++) {
            CandidateOutcome o = sorted.get(i);
            g[i] = o.error() == null ? o.generalLossAfter() : Double.NaN;
            d[i] = o.error() == null ? o.domainLossAfter() : Double.NaN;
            double s = settings.objective().value(o);
            scores.add(Double.isFinite(s) ? s : null);
            if (Double.isFinite(s) && (best == null || s < scores.get(best))) {
                best = i;
            }
        }
        int reused = (int) sorted.stream().filter(CandidateOutcome::reused).count();
        return new Result(settings.describe(), sorted, scores, ParetoFront.of(g, d), best, sorted.size() - reused,
                reused, (System.nanoTime() - t0) / 1e9);
    }

    /** One candidate: reused from disk when a previous run finished it, else run and written atomically. */
    private CandidateOutcome candidate(SweepPoint point, int index, List<Document> general, List<Document> domain,
                                       Path out) {
        Path dir = out.resolve("candidates").resolve(String.format("%08x", point.key().hashCode()));
        Path file = dir.resolve("result.json");
        try {
            if (AtomicDirectory.recover(dir) && Files.isRegularFile(file)) {
                JsonNode r = JSON.readTree(file.toFile());
                if (point.key().equals(r.path("key").asText())
                        && settings.method().equals(r.path("method").path("method").asText())) { // not another method's
                    return outcome(index, point, r.get("method"), r.path("seconds").asDouble(), file, true);
                }
            }
            long t0 = System.nanoTime();
            RunConfig cfg = settings.base().with(point.overrides()).with(Map.of("methods", List.of(settings.method())));
            AdeptRun.Result run = new AdeptRun(cfg).run(general, domain);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> saved = new java.util.LinkedHashMap<>();
            saved.put("key", point.key());
            saved.put("params", point.values());
            saved.put("seconds", seconds);
            saved.put("method", run.methods().get(0));
            saved.put("run", run);
            AtomicDirectory.write(dir, tmp -> JSON.writeValue(tmp.resolve("result.json").toFile(), saved));
            return outcome(index, point, JSON.valueToTree(run.methods().get(0)), seconds, file, false);
        } catch (IOException e) {
            throw new UncheckedIOException("candidate " + point.key() + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            return new CandidateOutcome(index, point.key(), point.values(), Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, 0, file.toString(), false, e.getMessage());
        }
    }

    private static CandidateOutcome outcome(int index, SweepPoint p, JsonNode m, double seconds, Path file, boolean reused) {
        return new CandidateOutcome(index, p.key(), p.values(), m.get("generalLossBefore").asDouble(),
                m.get("generalLossAfter").asDouble(), m.get("domainLossBefore").asDouble(),
                m.get("domainLossAfter").asDouble(), m.get("generalPerplexityChange").asDouble(),
                m.get("domainPerplexityChange").asDouble(), seconds, file.toString(), reused, null);
    }
}
