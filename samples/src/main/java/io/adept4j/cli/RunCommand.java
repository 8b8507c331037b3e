package io.adept4j.cli;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.report.RunReport;
import io.adept4j.run.AdeptRun;
import io.adept4j.run.ShippedBase;
import io.adept4j.run.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code adept run --config FILE}: the whole pipeline and its baselines, with result.json, report.html and charts in
 * {@code runs/<name>-<timestamp>/}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Base model -> probe -> expand -> importance -> decoupled tuning, and the baselines on the same "
                + "base, data, budget and seed; writes result.json, report.html and charts.")
final class RunCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config (keys: --list-keys).")
    Path config;

    @Option(names = "--list-keys", description = "Print every config key with its kind, default and meaning, then exit.")
    boolean listKeys;

    @Option(names = "--general", paramLabel = "PATH", description = "General corpus (overrides the config).")
    String general;

    @Option(names = "--domain", paramLabel = "PATH|math|code", description = "Domain corpus (overrides the config).")
    String domain;

    @Option(names = "--preset", paramLabel = "tiny|small|default", description = "Model size (overrides the config).")
    String preset;

    @Option(names = "--methods", split = ",", paramLabel = "M", description = "Methods to run (overrides the config).")
    List<String> methods;

    @Option(names = "--steps", paramLabel = "N", description = "Training steps per method (overrides the config).")
    Integer steps;

    @Option(names = "--seed", paramLabel = "S", description = "Run this one seed (overrides the config's seed and seeds).")
    Long seed;

    @Option(names = "--pretrain", description = "Pretrain the base on the general corpus (cached) instead of using the "
            + "shipped base (the config key base: pretrain).")
    boolean pretrain;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/<name>-<timestamp>).")
    Path out;

    @Option(names = "--overwrite", description = "Replace the results adept4j wrote in an existing --out folder.")
    boolean overwrite;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (listKeys) {
            spec.commandLine().getOut().print(RunConfig.describeKeys());
            spec.commandLine().getOut().flush();
            return 0;
        }
        return execute(config == null ? RunConfig.defaults() : RunConfig.load(config), "adept run");
    }

    /** Applies the CLI overrides, runs, writes and prints; shared with {@code adept demo}. */
    int execute(RunConfig fileConfig, String title) throws Exception {
        RunConfig cfg = RunInputs.shippedBaseResolved(fileConfig.with(RunInputs.overrides(general, domain, preset, seed,
                methods, steps)));
        if (pretrain) {
            cfg = cfg.with(Map.of("base", "pretrain"));
        }
        cfg = RunInputs.tasksResolved(cfg);
        PrintWriter log = spec.commandLine().getOut();
        Path generalPath = RunInputs.general(cfg);
        Path domainPath = RunInputs.domain(cfg);
        if (cfg.usesShippedBase()) {
            ShippedBase.verified(Path.of(cfg.str("shippedBase"))); // before anything is written
        }
        Path dir = Inputs.output(out != null ? out : Path.of("runs", cfg.str("name") + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))), overwrite);
        List<Document> g = CorpusReader.read(generalPath).documents();
        List<Document> dm = CorpusReader.read(domainPath).documents();
        log.printf("[run] general %s (%d documents), domain %s (%d documents), methods %s -> %s%n", generalPath, g.size(),
                domainPath, dm.size(), cfg.methods(), dir);
        AdeptRun.Result r = new AdeptRun(cfg).run(g, dm);
        String heading = title + ": " + generalPath.getFileName() + " -> " + domainPath.getFileName();
        RunReport.write(dir, r, heading);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", title);
        result.put("general", generalPath.toString());
        result.put("domain", domainPath.toString());
        result.put("goals", RunReport.goals(r));
        result.put("run", r);
        JsonFiles.write(dir, "result.json", result);
        log.println();
        log.print(RunReport.table(r));
        log.print(RunReport.tasks(r));
        log.println(RunReport.lrRule(r, false));
        log.println();
        for (RunReport.Goal goal : RunReport.goals(r)) {
            log.printf("[goal] %-7s %s: %s%n", Boolean.TRUE.equals(goal.met()) ? "met" : "NOT met", goal.goal(), goal.measured());
        }
        log.printf("[run] %.0f s; wrote %s, %s%n", r.wallSeconds(), dir.resolve("result.json"), dir.resolve("report.html"));
        return 0;
    }
}
