package io.adept4j.cli;

import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.model.ModelStore;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.Placement;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.samediff.SelectiveExpander;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept expand}: inserts identity copies of chosen blocks (ADEPT Stage 1b). */
@Command(name = "expand", mixinStandardHelpOptions = true,
        description = "Insert a function-preserving copy after each chosen block; writes the expanded model and manifest.json.")
final class ExpandCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The base model folder.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    static final class Choice {
        @ArgGroup(exclusive = false)
        FromProbe fromProbe;

        @Option(names = "--layers", split = ",", paramLabel = "i,j,…", description = "Copy these blocks.")
        int[] layers;

        @Option(names = "--uniform", paramLabel = "K", description = "LLaMA-Pro placement: K copies spread uniformly.")
        Integer uniform;
    }

    static final class FromProbe {
        @Option(names = "--probe", required = true, paramLabel = "FILE", description = "probe.json from adept probe.")
        Path probe;

        @Option(names = "--k", required = true, paramLabel = "K", description = "Copy the K blocks with the lowest ΔL.")
        int k;
    }

    @Option(names = "--general", paramLabel = "PATH",
            description = "Corpus for the function-preservation check batch (default: the bundled general corpus).")
    Path general;

    @Mixin
    SeqLenOption window;

    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path out = common.prepareOut();
        ProbeResult probe = choice.fromProbe == null ? null : Inputs.probe(choice.fromProbe.probe);
        CausalLm base = Inputs.model(model, window);
        LmConfig cfg = base.config();
        Placement placement;
        String probeFile = null;
        if (choice.fromProbe != null) {
            Path pf = choice.fromProbe.probe;
            probe.requireFor(base, pf.toString());
            placement = Placement.lowestDelta(probe, choice.fromProbe.k);
            probeFile = pf.toString();
        } else if (choice.layers != null) {
            placement = Placement.explicit(choice.layers, cfg.numLayers());
        } else {
            placement = Placement.uniform(choice.uniform, cfg.numLayers());
        }
        Corpus corpus = CorpusReader.read(general != null ? general : BundledCorpora.general());
        TokenWindows windows = TokenWindows.build(corpus.name(), corpus.documents().subList(0, Math.min(4, corpus.size())),
                Tokenizers.fromSpec(cfg.tokenizer()), WindowSpec.perDocument(base.seqLen()));
        var check = new NextTokenDataSetIterator(windows, 4, BatchLayout.SAMEDIFF, cfg.vocabSize(), false, 0).next();
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, placement, check, probeFile);
        ExpansionManifest m = ex.manifest();
        Path modelOut = out.resolve("model");
        ModelStore.save(ex.model(), modelOut, Map.of(ExpansionManifest.FILE, m));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", "expand");
        result.put("baseModel", model.toString());
        result.put("expandedModel", modelOut.toString());
        result.put("manifest", m);
        long params = ex.model().parameterCount();
        long trainable = m.trainableTensors().stream().mapToLong(t -> ex.model().tensor(t).length()).sum();
        result.put("parameters", params);
        result.put("trainableParameters", trainable);
        JsonFiles.write(out, "result.json", result);
        spec.commandLine().getOut().printf("[expand] %s placement, copies of blocks %s -> %d blocks; max |logit diff| %.2e; "
                        + "%,d of %,d parameters trainable (%.1f %%); wrote %s%n", m.strategy(), m.sources(),
                m.expandedLayers(), m.maxAbsLogitDiff(), trainable, params, 100.0 * trainable / params, modelOut);
        return 0;
    }

}
