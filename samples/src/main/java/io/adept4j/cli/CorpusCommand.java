package io.adept4j.cli;

import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusOptions;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept corpus …}: look at corpora before training on them. */
@Command(name = "corpus", mixinStandardHelpOptions = true, description = "Inspect corpora.",
        subcommands = {CorpusCommand.Stats.class})
final class CorpusCommand extends CommandGroup {

    /** {@code adept corpus stats PATH…}: documents, bytes, tokens, replaced bytes and windows per corpus, as JSON. */
    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Print per-corpus statistics as JSON: documents, bytes, tokens, invalid UTF-8 bytes replaced, "
                    + "windows at the chosen length.")
    static final class Stats implements Callable<Integer> {

        @Parameters(arity = "1..*", paramLabel = "PATH",
                description = "Corpus files or folders (.txt, .jsonl, .json, any of them .gz).")
        List<Path> paths;

        @Option(names = "--tokenizer", defaultValue = "bpe:8192", paramLabel = "KIND[:VOCAB]",
                description = "Tokenizer: bpe:VOCAB (GPT-2 BPE cut to VOCAB ids) or byte (default: ${DEFAULT-VALUE}).")
        String tokenizer;

        @Option(names = "--seq-len", defaultValue = "128", paramLabel = "T",
                description = "Window length for the window count (default: ${DEFAULT-VALUE}).")
        int seqLen;

        @Option(names = "--include", paramLabel = "GLOB", split = ",",
                description = "Only files matching these globs inside folders, e.g. '**/*.java'.")
        List<String> include = new ArrayList<>();

        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Tokenizer tok = Tokenizers.parse(tokenizer);
            WindowSpec windows = WindowSpec.packed(seqLen);
            CorpusReader reader = new CorpusReader(CorpusOptions.defaults().withIncludes(include));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Path p : paths) {
                long t0 = System.nanoTime();
                Corpus c = reader.open(p);
                TokenWindows w = TokenWindows.build(c.name(), c.documents(), tok, windows);
                double secs = (System.nanoTime() - t0) / 1e9;
                long tokens = w.corpusTokens() - c.size(); // minus one separator per document
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", c.name());
                row.put("path", p.toString());
                row.put("files", c.files());
                row.put("documents", c.size());
                row.put("bytes", c.bytes());
                row.put("tokens", tokens);
                row.put("bytesPerToken", Math.round(1000.0 * c.bytes() / Math.max(1, tokens)) / 1000.0);
                row.put("replacedInvalidBytes", c.replacedBytes());
                row.put("windows", w.size());
                row.put("predictedTokens", w.predictedTokens());
                row.put("seconds", Math.round(secs * 1000) / 1000.0);
                rows.add(row);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("tokenizer", tok.spec().shortName());
            result.put("seqLen", seqLen);
            result.put("corpora", rows);
            spec.commandLine().getOut().println(JsonFiles.toJson(result));
            if (common.out != null) {
                JsonFiles.write(common.out, "result.json", result);
            }
            return 0;
        }
    }
}
