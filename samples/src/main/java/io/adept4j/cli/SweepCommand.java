package io.adept4j.cli;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.report.SweepReport;
import io.adept4j.sweep.CandidateOutcome;
import io.adept4j.sweep.SweepRunner;
import io.adept4j.sweep.SweepSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept sweep --config FILE}: an Arbiter sweep over ADEPT's knobs, its Pareto front and report. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Arbiter grid or random sweep over K, LR ratio, base LR and other ADEPT knobs; writes sweep.json "
                + "(every candidate), the Pareto front of general retention vs domain learning, sweep.html. "
                + "Rerun with the same --out to finish a killed sweep.")
final class SweepCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Sweep config (YAML or JSON): run, space, search, budgets.")
    Path config;

    @Option(names = "--general", paramLabel = "PATH", description = "General corpus (overrides run.general).")
    String general;

    @Option(names = "--domain", paramLabel = "PATH|math|code", description = "Domain corpus (overrides run.domain).")
    String domain;

    @Option(names = "--preset", paramLabel = "tiny|small|default", description = "Model size (overrides run.preset).")
    String preset;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of runs and random search (overrides run.seed).")
    Long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder; an existing sweep there is resumed (default: runs/sweep-<time>).")
    Path out;

    @Option(names = "--spark", paramLabel = "MASTER", description = "Run candidates as Apache Spark tasks: local[N], "
            + "local-cluster[W,C,MB], spark://HOST:7077 or yarn (overrides the file's spark.master). --out must be on storage every executor sees.")
    String spark;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "A Spark setting for the candidates' "
            + "application, e.g. spark.executor.instances=4 or spark.yarn.queue=research (repeatable; adds to or "
            + "replaces the file's spark.conf).")
    Map<String, String> sparkConf = new java.util.LinkedHashMap<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SweepSettings s = SweepSettings.load(config, RunInputs.overrides(general, domain, preset, seed, null, null));
        s = s.withBase(RunInputs.pathsAbsolute(s.base()));   // candidates may run in another working folder (Spark)
        if (spark != null) {
            if (spark.isBlank()) {
                throw new IllegalArgumentException("--spark needs a master: local[2], local-cluster[2,1,2048], spark://HOST:7077 or yarn");
            }
            s = s.onSpark(spark);
        }
        s = s.withSparkConf(sparkConf);
        if (!s.sparkMaster().isEmpty()) {
            io.adept4j.spark.SparkContexts.requireReachable(s.sparkMaster(), s.sparkConf()); // before the corpora are read
        }
        PrintWriter log = spec.commandLine().getOut();
        Path generalPath = RunInputs.general(s.base());
        Path domainPath = RunInputs.domain(s.base());
        List<Document> g = CorpusReader.read(generalPath).documents();
        List<Document> dm = CorpusReader.read(domainPath).documents();
        Path dir = out != null ? out : Path.of("runs", "sweep-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        SweepRunner.Result r;
        if (s.sparkMaster().isEmpty()) {
            r = new SweepRunner(s).run(g, dm, dir);
        } else {
            try (io.adept4j.spark.SparkCandidates exec = io.adept4j.spark.SparkCandidates.start(s.sparkMaster(), s.sparkConf(), g, dm)) {
                r = new SweepRunner(s).run(exec, dir.toAbsolutePath());
            }
        }
        JsonFiles.write(dir, "sweep.json", r); // the record of every candidate, failed ones included
        if (r.candidates().stream().noneMatch(c -> c.error() == null)) {
            // error strings are recorded for bad input (a candidate's IllegalArgumentException); any other failure leaves none
            String first = r.candidates().stream().map(CandidateOutcome::error).filter(java.util.Objects::nonNull)
                    .findFirst().orElse(null);
            if (first != null) {
                throw new IllegalArgumentException("no sweep candidate succeeded (" + r.candidates().size()
                        + " failed); the first error: " + first);
            }
            throw new IllegalStateException("no sweep candidate succeeded; see the log above for the errors");
        }
        SweepReport.write(dir, r);
        log.printf("%n%-4s %-60s %12s %12s %10s%n", "#", "values", "general loss", "domain loss", "score");
        for (int i = 0; i < r.candidates().size(); i++) {
            CandidateOutcome c = r.candidates().get(i);
            log.printf("%-4d %-60s %12.4f %12.4f %10s%s%n", c.index(), c.key(), c.generalLossAfter(), c.domainLossAfter(),
                    r.scores().get(i) == null ? "failed" : String.format("%.4f", r.scores().get(i)),
                    r.paretoFront().contains(i) ? "  (Pareto front)" : "");
        }
        log.printf("[sweep] %d candidates (%d run now, %d reused), %.0f s; wrote %s, %s%n", r.candidates().size(),
                r.executed(), r.reused(), r.wallSeconds(), dir.resolve("sweep.json"), dir.resolve("sweep.html"));
        return 0;
    }
}
