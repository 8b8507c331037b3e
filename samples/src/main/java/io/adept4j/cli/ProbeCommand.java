package io.adept4j.cli;

import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.report.BarChart;
import io.adept4j.samediff.LayerProber;
import io.adept4j.spark.SparkProbing;
import io.adept4j.stage1.ProbeResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept probe}: ΔL per block on a general probe corpus (ADEPT Stage 1a). */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Skip each block in turn on a GENERAL probe corpus and record the loss increase (probe.json, probe.png).")
final class ProbeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model folder.")
    Path model;

    @Option(names = "--general", paramLabel = "PATH",
            description = "General probe corpus: text, or JSONL/JSON with text or instruction/output records "
                    + "(default: the bundled general corpus).")
    Path general;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "Windows per probe batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--max-batches", defaultValue = "16", paramLabel = "N",
            description = "Probe batches, a fixed prefix of the probe set; 0 = all (default: ${DEFAULT-VALUE}).")
    int maxBatches;

    @Option(names = "--k", defaultValue = "2", paramLabel = "K",
            description = "How many lowest-ΔL blocks to mark in the chart (default: ${DEFAULT-VALUE}).")
    int k;

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
        Path out = common.prepareOut();
        LmConfig cfg = Inputs.modelConfig(model);
        io.adept4j.stage1.Placement.requireK(k, cfg.numLayers());
        if (maxBatches < 0) {
            throw new IllegalArgumentException("--max-batches must be 0 (all) or more, got " + maxBatches);
        }
        Inputs.positive("--batch", batch);
        Corpus corpus = CorpusReader.read(general != null ? general : BundledCorpora.general());
        CausalLm lm = Inputs.model(model, window);
        // one window sequence per document, padded and masked, as the reference's per-record probe
        TokenWindows windows = TokenWindows.build(corpus.name(), corpus.documents(), Tokenizers.fromSpec(cfg.tokenizer()),
                WindowSpec.perDocument(lm.seqLen()));
        LayerProber prober = new LayerProber(batch, maxBatches);
        ProbeResult probe;
        if (spark.enabled()) {
            probe = spark.run("adept probe", (sc, shards) -> SparkProbing.probe(sc, lm, windows, prober, shards));
        } else {
            probe = prober.probe(lm, windows);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", "probe");
        result.put("model", model.toString());
        result.put("probeCorpus", corpus.name());
        result.put("probe", probe);
        result.put("lowestDelta", probe.leastImportantFirst().subList(0, k));
        JsonFiles.write(out, "probe.json", probe);
        JsonFiles.write(out, "result.json", result);
        BarChart.write(out.resolve("probe.png"), "Loss increase when a block is skipped (general probe)", "block",
                "ΔL (nats)", probe.layers().stream().map(ProbeResult.Layer::deltaLoss).toList(),
                probe.layers().stream().map(ProbeResult.Layer::stdErr).toList(),
                new HashSet<>(probe.leastImportantFirst().subList(0, k)), "the K=" + k + " blocks with the lowest ΔL");
        spec.commandLine().getOut().printf("[probe] base loss %.4f over %,d tokens (%d batches) in %.1f s = %.2f full "
                        + "forward passes%n", probe.baseLoss(), probe.tokens(), probe.batches(), probe.wallSeconds(),
                probe.forwardEquivalents());
        for (ProbeResult.Layer l : probe.layers()) {
            spec.commandLine().getOut().printf("[probe] block %2d  ΔL %+.4f ± %.4f%n", l.index(), l.deltaLoss(), l.stdErr());
        }
        spec.commandLine().getOut().println("[probe] lowest ΔL: " + probe.leastImportantFirst().subList(0, k)
                + "; wrote " + out.resolve("probe.json") + " and probe.png");
        return 0;
    }
}
