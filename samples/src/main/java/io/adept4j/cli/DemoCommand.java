package io.adept4j.cli;

import io.adept4j.run.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code adept demo}: {@code adept run} with the shipped {@code configs/demo.yaml} on the bundled corpora (general
 * prose → mathematics, or code with {@code --domain code}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "adept run with configs/demo.yaml on the bundled corpora (general prose -> mathematics or code).")
final class DemoCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = "--domain", paramLabel = "math|code", description = "Bundled domain corpus (default: the config's, math).")
    String domain;

    @Option(names = "--preset", paramLabel = "tiny|small|default", description = "Model size (default: the config's, small).")
    String preset;

    @Option(names = "--seed", paramLabel = "S", description = "Run this one seed (default: the config's seeds).")
    Long seed;

    @Option(names = "--quick", description = "A first look in about 3 minutes: one seed, " + QUICK_STEPS + " steps, "
            + "adept, full and llama-pro only.")
    boolean quick;

    /** Steps per method of {@code --quick}. */
    static final int QUICK_STEPS = 20;

    @Option(names = "--pretrain", description = "Pretrain the base on the bundled general corpus instead of using the "
            + "shipped base.")
    boolean pretrain;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/demo-<timestamp>).")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The shipped demo config, next to the bundled corpora. */
    static Path config() {
        Path p = Path.of(System.getProperty("adept4j.home", ".")).resolve("configs").resolve("demo.yaml");
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("the demo config " + p + " is missing: run adept from the project folder");
        }
        return p;
    }

    @Override
    public Integer call() throws Exception {
        RunCommand run = new RunCommand();
        run.spec = spec;
        run.domain = domain;
        run.preset = preset;
        run.seed = seed;
        run.out = out;
        run.pretrain = pretrain;
        RunConfig cfg = RunConfig.load(config());
        if (quick) {
            cfg = cfg.with(java.util.Map.of("seeds", java.util.List.of(), "steps", (long) QUICK_STEPS, "methods",
                    java.util.List.of("adept", "full", "llama-pro"), "finalEvalBatches", 4L, "evalEvery", 5L));
        }
        return run.execute(cfg, quick ? "adept demo --quick" : "adept demo");
    }
}
