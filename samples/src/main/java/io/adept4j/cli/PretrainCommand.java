package io.adept4j.cli;

import io.adept4j.datavec.corpus.CorpusOptions;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.model.LmConfig;
import io.adept4j.train.PretrainConfig;
import io.adept4j.train.Pretrainer;
import io.adept4j.train.Preset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept pretrain}: trains a base model from scratch on general text. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a base model on general text (AdamW, warm-up + cosine, clipping, checkpoints).")
final class PretrainCommand implements Callable<Integer> {

    @Option(names = "--corpus", paramLabel = "PATH", description = "Training corpora (default: the bundled general corpus).")
    List<Path> corpora = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATH", description = "Leave out every document whose text also appears "
            + "in these corpora (keeps them unseen by the base, e.g. the bundled excerpt used for evaluation).")
    List<Path> exclude = new ArrayList<>();

    @Mixin
    TrainingOptions training;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate (default: " + PretrainConfig.DEFAULT_LR + ").")
    Double lr;

    @Option(names = "--resume", description = "Continue from OUT/checkpoint exactly where it stopped.")
    boolean resume;

    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path out = common.prepareOut(resume);
        Inputs.positive("--steps", training.steps);
        Tokenizer tok = Tokenizers.parse(training.tokenizer);
        Preset preset = Preset.parse(training.preset);
        LmConfig model = preset.model(tok.spec());
        PretrainConfig cfg = preset.pretrain(training.steps == null ? 0 : training.steps, common.seed);
        if (lr != null) {
            cfg = new PretrainConfig(cfg.steps(), cfg.batchSize(), cfg.seqLen(), lr, cfg.minLrRatio(), cfg.warmupSteps(),
                    cfg.weightDecay(), cfg.clipNorm(), cfg.evalEvery(), cfg.evalBatches(), cfg.checkpointEvery(),
                    cfg.logEvery(), cfg.validationFraction(), cfg.seed());
        }
        List<Path> paths = corpora.isEmpty() ? List.of(BundledCorpora.general()) : corpora;
        List<Document> docs = new CorpusReader(CorpusOptions.defaults()).openAll("general", paths).documents();
        int excluded = 0;
        if (!exclude.isEmpty()) {
            java.util.Set<String> unseen = new java.util.HashSet<>();
            new CorpusReader(CorpusOptions.defaults()).openAll("excluded", exclude).documents()
                    .forEach(d -> unseen.add(d.text()));
            List<Document> kept = docs.stream().filter(d -> !unseen.contains(d.text())).toList();
            excluded = docs.size() - kept.size();
            docs = kept;
            spec.commandLine().getOut().printf("[pretrain] left out %d documents found in %s; %d remain%n", excluded,
                    exclude, docs.size());
        }
        Pretrainer.Result r = new Pretrainer(model, cfg).run(docs, out, resume, 0);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", "pretrain");
        result.put("preset", preset.name().toLowerCase());
        result.put("corpora", paths.stream().map(Path::toString).toList());
        result.put("excluded", Map.of("corpora", exclude.stream().map(Path::toString).toList(), "documents", excluded));
        result.put("result", r);
        result.put("modelDir", out.resolve(Pretrainer.MODEL).toString());
        JsonFiles.write(out, "result.json", result);
        return 0;
    }
}
