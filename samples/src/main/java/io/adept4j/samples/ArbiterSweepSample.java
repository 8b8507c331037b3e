package io.adept4j.samples;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.run.RunConfig;
import io.adept4j.sweep.AdeptSpace;
import io.adept4j.sweep.CandidateOutcome;
import io.adept4j.sweep.SweepObjective;
import io.adept4j.sweep.SweepRunner;
import io.adept4j.sweep.SweepSettings;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A sample to copy: an Arbiter grid sweep over K × LR ratio written against the Java API (not the CLI).
 *
 * <p>Run it from the project folder after {@code ./adept --version} has built the CLI (one BLAS thread is fastest on
 * small models): {@code OMP_NUM_THREADS=1 java -cp samples/target/adept-cli.jar:samples/target/lib/*
 * io.adept4j.samples.ArbiterSweepSample [general.jsonl.gz] [domain.jsonl.gz] [out]}.
 */
public final class ArbiterSweepSample {

    private ArbiterSweepSample() {
    }

    public static void main(String[] args) throws Exception {
        // 1. Your corpora: any text file, folder, glob, or JSONL with "text" (or instruction/output) records.
        Path general = Path.of(args.length > 0 ? args[0] : "corpora/general.jsonl.gz");
        Path domain = Path.of(args.length > 1 ? args[1] : "corpora/math.jsonl.gz");
        Path out = Path.of(args.length > 2 ? args[2] : "runs/sample-sweep");
        List<Document> g = CorpusReader.read(general).documents();
        List<Document> d = CorpusReader.read(domain).documents();

        // 2. What every candidate shares. To start from your own model instead of one pretrained here, set
        //    "baseModel" to an adept4j model folder (e.g. one made by `adept import` or `adept pretrain`).
        RunConfig base = RunConfig.defaults().with(Map.of(
                "preset", "tiny",          // use "small" or your own baseModel for meaningful numbers
                "steps", 20L,
                "probeBatches", 4L,
                "finalEvalBatches", 4L,
                "tokenEvalBatches", 2L));

        // 3. The space: K in {1, 2} x ratio of domain-adaptive to general-critical learning rate in {2, 8}.
        //    Other knobs: .learningRate(1e-4, 1e-2) (log-uniform), .granularity("tensor", "neuron"),
        //    .policy("continuous", "rank"), .refreshEvery(50, 500), .replayWeight(0.1, 0.3), or .knob(key, space).
        AdeptSpace space = AdeptSpace.builder().k(1, 2).lrRatios(2.0, 8.0).build();

        // 4. Grid search, at most 4 candidates, no time limit, one at a time; score = mean of general and domain loss.
        SweepSettings settings = new SweepSettings(base, SweepSettings.DEFAULT_METHOD, space, "grid", 4, 0, 1, 3,
                new SweepObjective("weighted", 0.5), base.integer("seed"), "", java.util.Map.of());

        // 5. Run it. Rerunning with the same `out` skips candidates that already finished.
        SweepRunner.Result r = new SweepRunner(settings).run(g, d, out);
        for (int i : r.paretoFront()) {
            CandidateOutcome c = r.candidates().get(i);
            System.out.printf("Pareto front: %s  general loss %.4f  domain loss %.4f  (%s)%n", c.key(),
                    c.generalLossAfter(), c.domainLossAfter(), c.resultFile());
        }
    }
}
