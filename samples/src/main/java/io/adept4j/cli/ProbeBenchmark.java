package io.adept4j.cli;

import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.samediff.LayerProber;
import io.adept4j.stage1.ProbeResult;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Times a layer probe of a randomly initialised model on the bundled general corpus. */
final class ProbeBenchmark {

    private ProbeBenchmark() {
    }

    static Map<String, Object> run(int hidden, int layers, int seqLen, int batch, int batches, String tokenizer,
                                   PrintWriter log) {
        Tokenizer tok = Tokenizers.parse(tokenizer);
        int heads = Math.max(1, hidden / 32);
        LmConfig c = LmConfig.of(tok.spec(), hidden, layers, heads, Math.max(1, heads / 2), seqLen);
        CausalLm lm = CausalLm.build(c, CausalLm.initWeights(c, 1), seqLen, DataType.FLOAT);
        List<Document> docs = io.adept4j.datavec.corpus.CorpusReader.read(BundledCorpora.general()).documents();
        TokenWindows w = TokenWindows.build("general", docs, tok, WindowSpec.packed(seqLen));
        new LayerProber(batch, 1).probe(lm, w); // warm-up: JIT and graph functions
        ProbeResult r = new LayerProber(batch, batches).probe(lm, w);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden", hidden);
        m.put("layers", layers);
        m.put("seqLen", seqLen);
        m.put("batch", batch);
        m.put("batches", r.batches());
        m.put("tokens", r.tokens());
        m.put("wallSeconds", Math.round(r.wallSeconds() * 1000) / 1000.0);
        m.put("forwardEquivalents", Math.round(r.forwardEquivalents() * 1000) / 1000.0);
        m.put("ratioToLPlus1", Math.round(r.forwardEquivalents() / (layers + 1) * 1000) / 1000.0);
        log.printf("[bench probe] d=%d L=%d: %d batches in %.1f s = %.2f full forward passes = %.2f x (L+1)%n", hidden,
                layers, r.batches(), r.wallSeconds(), r.forwardEquivalents(), r.forwardEquivalents() / (layers + 1));
        return m;
    }
}
