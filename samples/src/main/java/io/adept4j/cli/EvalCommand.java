package io.adept4j.cli;

import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.eval.MultipleChoice;
import io.adept4j.eval.Perplexity;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept eval}: loss and perplexity of a saved model on named corpora, accuracy on multiple-choice tasks. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Mean token loss and perplexity of a model on each corpus (every window, every token once), and "
                + "its accuracy on multiple-choice task files (each choice scored by its log-likelihood after the "
                + "question, as lm-evaluation-harness).")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model folder.")
    Path model;

    @Option(names = "--corpus", paramLabel = "NAME=PATH", description = "Corpora to evaluate, e.g. general=corpora/general.jsonl.gz.")
    List<String> corpusArgs = new java.util.ArrayList<>();

    @Option(names = "--tasks", paramLabel = "NAME=FILE", description = "Multiple-choice task files (JSON Lines of "
            + "{question, choices, answer}), e.g. math=corpora/tasks/math.jsonl.")
    List<String> taskArgs = new java.util.ArrayList<>();

    @Option(names = "--batch", defaultValue = "16", paramLabel = "N", description = "Windows per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    SeqLenOption window;

    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (common.out != null) {
            common.prepareOut();
        }
        Inputs.positive("--batch", batch);
        if (corpusArgs.isEmpty() && taskArgs.isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate: give --corpus NAME=PATH and/or --tasks NAME=FILE");
        }
        Map<String, Path> corpora = named("--corpus", corpusArgs, "general=corpora/general.jsonl.gz");
        Map<String, Path> taskFiles = named("--tasks", taskArgs, "math=corpora/tasks/math.jsonl");
        Map<String, List<MultipleChoice.Item>> tasks = new LinkedHashMap<>();
        taskFiles.forEach((name, file) -> tasks.put(name, MultipleChoice.read(file))); // checked before the model loads
        LmConfig cfg = Inputs.modelConfig(model);
        Map<String, Corpus> read = new LinkedHashMap<>();
        corpora.forEach((name, path) -> read.put(name, CorpusReader.read(path)));
        CausalLm lm = Inputs.model(model, window);
        int t = lm.seqLen();
        Tokenizer tok = Tokenizers.fromSpec(cfg.tokenizer());
        Map<String, Object> rows = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : corpora.entrySet()) {
            Corpus c = read.get(e.getKey());
            TokenWindows w = TokenWindows.build(e.getKey(), c.documents(), tok, WindowSpec.packed(t));
            long t0 = System.nanoTime();
            Perplexity.Result r = Perplexity.evaluate(lm, w, batch, 0);
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("path", e.getValue().toString());
            row.put("meanTokenLoss", r.meanLoss());
            row.put("perplexity", r.perplexity());
            row.put("tokens", r.tokens());
            row.put("seconds", Math.round(secs * 1000) / 1000.0);
            rows.put(e.getKey(), row);
            spec.commandLine().getOut().printf("[eval] %-10s loss %.4f  perplexity %.2f  (%,d tokens, %.1f s)%n",
                    e.getKey(), r.meanLoss(), r.perplexity(), r.tokens(), secs);
        }
        Map<String, Object> taskRows = new LinkedHashMap<>();
        for (Map.Entry<String, List<MultipleChoice.Item>> e : tasks.entrySet()) {
            long t0 = System.nanoTime();
            MultipleChoice.Result r = MultipleChoice.score(lm, tok, e.getValue(), batch);
            double secs = (System.nanoTime() - t0) / 1e9;
            taskRows.put(e.getKey(), r);
            spec.commandLine().getOut().printf("[eval] %-10s accuracy %.1f %% ± %.1f, normalised %.1f %% ± %.1f  (%d items, "
                            + "%.1f s)%n", e.getKey(), 100 * r.accuracy(), 100 * r.accuracyStdErr(), 100 * r.accuracyNorm(),
                    100 * r.accuracyNormStdErr(), r.items(), secs);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", "eval");
        result.put("model", model.toString());
        result.put("seqLen", t);
        result.put("corpora", rows);
        result.put("tasks", taskRows);
        if (common.out != null) {
            JsonFiles.write(common.out, "result.json", result);
        }
        spec.commandLine().getOut().println(JsonFiles.toJson(result));
        return 0;
    }

    /** NAME=PATH arguments by name; a malformed or repeated name is refused with an example. */
    private static Map<String, Path> named(String option, List<String> args, String example) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) {
                throw new IllegalArgumentException(option + " takes NAME=PATH, e.g. " + example + ", got '" + a + "'");
            }
            String name = a.substring(0, eq);
            if (out.put(name, Path.of(a.substring(eq + 1))) != null) {
                throw new IllegalArgumentException(option + " name '" + name + "' is given twice; give each its own name");
            }
        }
        return out;
    }
}
