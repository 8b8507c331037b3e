package io.adept4j.cli;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.model.ModelStore;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.ModelFingerprint;
import io.adept4j.samediff.AdeptTrainer;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.TuneConfig;
import io.adept4j.report.HeatMap;
import io.adept4j.report.LineChart;
import io.adept4j.spark.SparkProbing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept tune}: ADEPT's decoupled tuning of an expanded model's copies on a domain corpus. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = "Train only the expanded copies on a DOMAIN corpus with per-unit learning rates from general importance.")
final class TuneCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "An expanded model folder (with manifest.json).")
    Path model;

    @Option(names = "--domain", paramLabel = "PATH", description = "Domain corpus (default: the bundled math corpus).")
    Path domain;

    @Option(names = "--general", paramLabel = "PATH", description = "General corpus for importance and validation (default: bundled).")
    Path general;

    @Option(names = "--steps", defaultValue = "200", paramLabel = "N", description = "Tuning steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "16", paramLabel = "B", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "X", description = "Base learning rate (default: " + TuneConfig.DEFAULT_LEARNING_RATE + ").")
    Double lr;

    @Option(names = "--refresh", paramLabel = "N",
            description = "Refresh importance every N steps (default: " + TuneConfig.DEFAULT_REFRESH + ", or a third of shorter runs).")
    Integer refresh;

    @Option(names = "--initial-probe", description = "Set multipliers before the first step (default: uniform until the first refresh, as the reference).")
    boolean initialProbe;

    @Option(names = "--granularity", defaultValue = TuneConfig.DEFAULT_GRANULARITY_NAME, paramLabel = "tensor|neuron|element",
            description = "Unit of importance (default: ${DEFAULT-VALUE}).")
    String granularity;

    @Option(names = "--policy", defaultValue = TuneConfig.DEFAULT_POLICY_NAME, paramLabel = "rank|continuous|rank-global|continuous-global|split",
            description = "Importance to multiplier mapping (default: ${DEFAULT-VALUE}).")
    String policy;

    @Option(names = "--replay", defaultValue = "0", paramLabel = "W", description = "Share of general windows mixed in (default: ${DEFAULT-VALUE}).")
    double replay;

    @Option(names = "--checkpoint-every", defaultValue = "100", paramLabel = "N",
            description = "Checkpoint into OUT/checkpoint every N steps and at the end (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue from OUT/checkpoint (same options as the interrupted run).")
    boolean resume;

    @Option(names = "--guard", defaultValue = TuneConfig.DEFAULT_GUARD_NAME, paramLabel = "off|warn|stop",
            description = "Forgetting guard when general loss rises more than --margin nats (default: ${DEFAULT-VALUE}).")
    String guard;

    @Option(names = "--margin", defaultValue = "" + TuneConfig.DEFAULT_FORGETTING_MARGIN, paramLabel = "NATS",
            description = "Forgetting-guard margin on the general validation loss (default: ${DEFAULT-VALUE}).")
    double margin;

    @Mixin
    SeqLenOption window;

    @Mixin
    SparkOption spark;

    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        spark.validate();
        Path out = common.prepareOut(resume);
        Inputs.positive("--steps", steps);
        Inputs.positive("--batch", batch);
        Inputs.positive("--checkpoint-every", checkpointEvery);
        Inputs.positive("--refresh", refresh);
        TuneConfig.Builder settings = TuneConfig.builder(steps, batch, common.seed).initialProbe(initialProbe)
                .granularity(Granularity.parse(granularity)).policy(io.adept4j.stage2.Policy.parse(policy))
                .replayWeight(replay).guard(margin, io.adept4j.listeners.PerplexityMonitor.GuardAction.parse(guard));
        if (lr != null) {
            settings.learningRate(lr);
        }
        if (refresh != null) {
            settings.refreshEvery(refresh);
        }
        TuneConfig tc = settings.build(); // every setting checked before the corpora and the model are read
        Path manifestFile = model.resolve(ExpansionManifest.FILE);
        ExpansionManifest manifest = Inputs.manifest(model);
        List<io.adept4j.datavec.corpus.Document> domainDocs =
                CorpusReader.read(domain != null ? domain : BundledCorpora.domain("math")).documents();
        List<io.adept4j.datavec.corpus.Document> generalDocs =
                CorpusReader.read(general != null ? general : BundledCorpora.general()).documents();
        CausalLm lm = Inputs.model(model, window);
        LmConfig cfg = lm.config();
        if (!ModelFingerprint.of(lm).equals(manifest.expandedModel())) {
            throw new IllegalArgumentException(manifestFile + " describes another model than the weights in " + model);
        }
        AdeptTrainer trainer = new AdeptTrainer(tc).withCheckpoints(out.resolve("checkpoint"), checkpointEvery)
                .resuming(resume);
        AdeptTrainer.Result r;
        if (spark.enabled()) {
            r = spark.run("adept tune", (sc, shards) -> trainer
                    .withGeneralGradients((m, probe) -> SparkProbing.gradients(sc, m, probe, shards))
                    .run(lm, manifest, domainDocs, generalDocs));
        } else {
            r = trainer.run(lm, manifest, domainDocs, generalDocs);
        }
        Path modelOut = out.resolve("model");
        ModelStore.save(lm, modelOut, Map.of(ExpansionManifest.FILE, manifest));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", "tune");
        result.put("model", model.toString());
        result.put("tunedModel", modelOut.toString());
        result.put("result", r);
        JsonFiles.write(out, "result.json", result);
        List<LineChart.Series> curves = List.of(
                new LineChart.Series("general", r.generalCurve().stream().map(p -> (double) p.step()).toList(),
                        r.generalCurve().stream().map(p -> Math.exp(p.loss())).toList()),
                new LineChart.Series("domain", r.domainCurve().stream().map(p -> (double) p.step()).toList(),
                        r.domainCurve().stream().map(p -> Math.exp(p.loss())).toList()));
        LineChart.write(out.resolve("curves.png"), "Validation perplexity while tuning the copies", "step", "perplexity",
                curves, false, false);
        if (!r.finalMultipliers().isEmpty()) {
            List<HeatMap.Row> rows = new java.util.ArrayList<>();
            r.finalMultipliers().forEach((t, v) -> rows.add(new HeatMap.Row(t, v)));
            HeatMap.write(out.resolve("lr-multipliers.png"), "Learning-rate multiplier per unit (last refresh)", rows, 0,
                    2, "blue: general-critical (low LR), red: domain-adaptive (high LR)");
        }
        spec.commandLine().getOut().println("[tune] wrote " + out.resolve("result.json") + ", curves.png");
        return 0;
    }
}
