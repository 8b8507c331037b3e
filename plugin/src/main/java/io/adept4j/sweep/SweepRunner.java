package io.adept4j.sweep;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.adept4j.datavec.corpus.Document;
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

    /** Runs (or resumes) the sweep into {@code out}, its candidates in this JVM. */
    public Result run(List<Document> general, List<Document> domain, Path out) throws IOException {
        return run(CandidateExecutor.local(general, domain), out);
    }

    /**
     * Runs (or resumes) the sweep into {@code out} with its candidates run by {@code executor}: as many at once as the
     * executor has slots, or the sweep's {@code parallelism} when that is larger. {@code out} must be reachable by
     * every worker (each candidate writes its own {@code result.json} there).
     */
    public Result run(CandidateExecutor executor, Path out) throws IOException {
        long t0 = System.nanoTime();
        int parallelism = Math.max(settings.parallelism(), executor.slots());
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
                o = executor.execute(new CandidateJob(settings.base().asMap(), settings.method(), point, index,
                        out.toString()));
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
                settings.maxMinutes() > 0 ? " or " + settings.maxMinutes() + " min" : "", parallelism, out));
        LocalOptimizationRunner runner = new LocalOptimizationRunner(parallelism, conf, tasks);
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
}
