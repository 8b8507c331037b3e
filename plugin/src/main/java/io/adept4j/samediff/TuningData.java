package io.adept4j.samediff;

import io.adept4j.stage2.TuneConfig;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.MixedWindows;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.SplitWindows;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSource;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

/** Windows of one run: domain training (with replay), validation of both corpora, general probe batches. */
record TuningData(WindowSource trainSource, TokenWindows domainVal, TokenWindows generalVal, List<DataSet> probe) {
    /** Probe batches: the first {@code probeBatches} of the general training side, shuffled with seed + 1. */
    static TuningData of(CausalLm model, TuneConfig cfg, List<Document> domain, List<Document> general) {
        Tokenizer tok = Tokenizers.fromSpec(model.config().tokenizer());
        WindowSpec spec = WindowSpec.packed(model.seqLen());
        SplitWindows d = SplitWindows.build("domain", domain, SplitWindows.DEFAULT_VALIDATION_FRACTION, cfg.seed(), tok, spec);
        SplitWindows g = SplitWindows.build("general", general, SplitWindows.DEFAULT_VALIDATION_FRACTION, cfg.seed(), tok, spec);
        TokenWindows domainTrain = d.train();
        TokenWindows generalTrain = g.train(); // probe batches come from here: validation text is never probed
        WindowSource trainSource = cfg.replayWeight() > 0
                ? new MixedWindows(List.of(domainTrain, generalTrain),
                new double[]{1 - cfg.replayWeight(), cfg.replayWeight()}, domainTrain.size(), cfg.seed())
                : domainTrain;
        List<DataSet> probe = new ArrayList<>();
        NextTokenDataSetIterator probeIt = new NextTokenDataSetIterator(generalTrain, cfg.batchSize(),
                BatchLayout.SAMEDIFF, model.config().vocabSize(), true, cfg.seed() + 1);
        while (probeIt.hasNext() && probe.size() < cfg.probeBatches()) {
            probe.add(probeIt.next());
        }
        return new TuningData(trainSource, d.validation(), g.validation(), probe);
    }
}
