package io.adept4j.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.SplitWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.eval.MultipleChoice;
import io.adept4j.eval.Perplexity;
import io.adept4j.eval.TokenPredictions;
import io.adept4j.model.CausalLm;
import io.adept4j.model.ModelStore;
import io.adept4j.samediff.LayerProber;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.samediff.AdeptTrainer;
import io.adept4j.stage2.TuneConfig;
import io.adept4j.train.PretrainConfig;
import io.adept4j.train.Pretrainer;
import io.adept4j.train.Preset;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The main job: base model (given, or pretrained on the general corpus and cached) → layer probe → every configured
 * method (ADEPT, its ablations, the baselines) on the same base, data, token budget and seed → evaluation. Each method
 * gets a fresh copy of the base; the base is evaluated once.
 */
public final class AdeptRun {

    /** In-JVM locks of cached bases being pretrained (file locks do not exclude threads of one JVM). */
    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> BASE_LOCKS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Where a cached base came from ({@code cached} or {@code pretrained}) and its pretraining record, if any. */
    private record CachedBase(String source, Object pretraining) {
    }

    /** Work that may throw {@link IOException}. */
    @FunctionalInterface
    private interface IoWork<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} while holding the lock of folder {@code dir} (created if absent): one thread of this JVM and
     * one process at a time. The lock file lives inside, so a folder of such folders holds nothing else.
     */
    private static <T> T exclusively(Path dir, IoWork<T> work) throws IOException {
        Files.createDirectories(dir);
        synchronized (BASE_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), p -> new Object())) {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(dir.resolve("pretraining.lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                 java.nio.channels.FileLock held = channel.lock()) {
                return work.run();
            }
        }
    }

    /** What the base model is and where it came from. */
    public record Base(String source, String dir, long parameters, int layers, int hidden, Object pretraining) {
    }

    /**
     * One method's learning-rate search.
     *
     * @param steps       training steps per candidate rate
     * @param rates       the grid
     * @param domainLoss  held-out domain loss after training, per rate
     * @param generalLoss general validation loss after training, per rate (shown, not used to choose)
     * @param chosen      the rate with the lowest held-out domain loss
     */
    public record LrSearch(String method, int steps, List<Double> rates, List<Double> domainLoss,
                           List<Double> generalLoss, double chosen) {
    }

    /** One method's outcome. */
    public record MethodResult(String method, long seed, String description, List<Integer> copiedBlocks, List<Integer> trainedBlocks,
                               long parameters, long trainableParameters, double trainableShare,
                               double generalLossBefore, double generalLossAfter, double generalPerplexityBefore,
                               double generalPerplexityAfter, double generalPerplexityChange,
                               double domainLossBefore, double domainLossAfter, double domainPerplexityBefore,
                               double domainPerplexityAfter, double domainPerplexityChange,
                               double generalTop1Before, double generalTop1After, double domainTop1Before,
                               double domainTop1After, double generalTop1Shift, double domainTop1Shift,
                               double trainSeconds, double wallSeconds, double tokensPerSecond,
                               AdeptTrainer.Result training) {
    }

    /**
     * The whole run.
     *
     * @param probe   the first seed's probe (each seed probes its own training side)
     * @param methods one row per method and seed, in run order
     * @param summary one row per method: mean and standard deviation over its seeds
     * @param lrSearch each method's learning-rate search (empty: every method used {@code learningRate})
     * @param threads  the batch shards per step ({@link CausalLm#threads()}): the numbers depend on it
     * @param reusedSeeds the seeds whose probe and base predictions an earlier run in this JVM had measured ({@link
     *                 #withMemo}; the before-validation too, once that run had trained its first method); empty for a
     *                 run on its own
     */
    public record Result(java.util.Map<String, Object> config, Base base, ProbeResult probe, int k, List<Long> seeds,
                         List<MethodResult> methods, List<MethodSummary> summary, List<LrSearch> lrSearch,
                         List<TaskScore> tasks, double wallSeconds, int threads, List<Long> reusedSeeds) {

        /** The rows of one seed. */
        public List<MethodResult> ofSeed(long seed) {
            return methods.stream().filter(m -> m.seed() == seed).toList();
        }
    }

    private final RunConfig cfg;
    private ReplicateMemo memo;
    private static final Logger log = LoggerFactory.getLogger(AdeptRun.class);

    public AdeptRun(RunConfig cfg) {
        this.cfg = cfg;
    }

    /**
     * Shares each seed's measurements on the base (probe, base predictions, before-validation) with the other runs
     * given the same memo: a sweep's candidates measure them once per seed instead of once each.
     */
    public AdeptRun withMemo(ReplicateMemo memo) {
        this.memo = memo;
        return this;
    }

    /**
     * Multiple-choice accuracy of one model on one task file ({@code general} or {@code domain}): the base's (method
     * {@code base}, seed 0) or a method's after training on one seed.
     */
    public record TaskScore(String method, long seed, String task, MultipleChoice.Result score) {
    }

    /**
     * Runs the pipeline.
     *
     * @param general general-corpus documents (pretraining, probe, importance, general validation)
     * @param domain  domain-corpus documents
     */
    public Result run(List<Document> general, List<Document> domain) throws IOException {
        long t0 = System.nanoTime();
        // Task files first: their source documents stay out of pretraining, training and validation alike.
        Map<String, List<MultipleChoice.Item>> tasks = new LinkedHashMap<>();
        for (String task : List.of("general", "domain")) {
            String file = cfg.str(task + "Tasks");
            if (!file.isEmpty()) {
                tasks.put(task, MultipleChoice.read(Path.of(file)));
            }
        }
        if (!tasks.isEmpty()) {
            java.util.Set<String> sources = new java.util.HashSet<>();
            tasks.values().forEach(items -> items.forEach(i -> {
                if (i.sourceSha256() != null) {
                    sources.add(i.sourceSha256());
                }
            }));
            int g0 = general.size();
            int d0 = domain.size();
            general = withoutSources(general, sources);
            domain = withoutSources(domain, sources);
            log.info(String.format("[run] tasks: %s; their source documents kept out: %d general, %d domain",
                    String.join(", ", tasks.keySet().stream().map(t -> t + " " + tasks.get(t).size() + " items")
                            .toList()), g0 - general.size(), d0 - domain.size()));
        }
        List<TaskScore> taskScores = new ArrayList<>();
        Preset preset = Preset.parse(cfg.str("preset"));
        PretrainConfig pcfg = preset.pretrain((int) cfg.integer("pretrainSteps"), cfg.integer("seed"));
        String source;
        Object pretraining = null;
        Path modelDir;
        if (!cfg.str("baseModel").isEmpty()) {
            modelDir = Path.of(cfg.str("baseModel"));
            if (!Files.isRegularFile(modelDir.resolve(ModelStore.CONFIG))) {
                throw new IllegalArgumentException("baseModel " + modelDir + " is not a model folder (no " + ModelStore.CONFIG
                        + "): point it at a folder written by adept pretrain, expand or import, or make that one first");
            }
            source = "given";
        } else if (cfg.usesShippedBase()) {
            modelDir = ShippedBase.verified(Path.of(cfg.str("shippedBase")));
            log.info("[run] base model: the shipped base " + modelDir + " (checksums verified; pretrained on general "
                    + "text that excludes the bundled corpus: see its provenance.json)");
            source = "shipped";
        } else {
            Tokenizer tok = Tokenizers.parse(cfg.str("tokenizer"));
            BaseProvenance wanted = BaseProvenance.of(general, preset.model(tok.spec()), pcfg);
            Path baseDir = Path.of(cfg.str("baseCache")).resolve(preset.name().toLowerCase() + "-" + tok.spec().kind()
                    + tok.spec().vocabSize() + "-s" + pcfg.steps() + "-seed" + cfg.integer("seed") + "-" + wanted.key());
            modelDir = baseDir.resolve(Pretrainer.MODEL);
            Path model = modelDir;
            List<Document> text = general;
            // One pretraining per cached base at a time: concurrent sweep candidates (threads, Spark tasks, other
            // processes on this machine) wait for the first and then reuse its base instead of racing on its files.
            CachedBase cached = exclusively(baseDir, () -> {
                if (Files.exists(model.resolve(ModelStore.CONFIG))) {
                    wanted.requireSameAs(baseDir); // a cached base is reused only for the same corpus, shape and budget
                    log.info("[run] base model: cached in " + model + " (pretrained on this general corpus, "
                            + "sha256 " + wanted.corpusSha256().substring(0, 12) + "…)");
                    return new CachedBase("cached", null);
                }
                log.info("[run] base model: pretraining the " + preset.name().toLowerCase() + " preset on the general corpus -> " + baseDir);
                boolean resume = Pretrainer.hasCheckpoint(baseDir);
                if (resume) {
                    wanted.requireSameAs(baseDir);
                } else {
                    wanted.write(baseDir);
                }
                return new CachedBase("pretrained",
                        new Pretrainer(preset.model(tok.spec()), pcfg).run(text, baseDir, resume, 0));
            });
            source = cached.source();
            pretraining = cached.pretraining();
        }
        CausalLm lm = cfg.integer("seqLen") > 0 ? ModelStore.load(modelDir, (int) cfg.integer("seqLen")) : ModelStore.load(modelDir);
        Base base = new Base(source, modelDir.toString(), lm.parameterCount(), lm.config().numLayers(),
                lm.config().hiddenSize(), pretraining);
        int batch = cfg.integer("batchSize") > 0 ? (int) cfg.integer("batchSize") : preset.batchSize;
        int k = cfg.integer("k") > 0 ? (int) cfg.integer("k") : Math.max(1, lm.config().numLayers() / 4);
        io.adept4j.stage1.Placement.requireK(k, lm.config().numLayers());
        Tokenizer taskTokenizer = Tokenizers.fromSpec(lm.config().tokenizer());
        tasks.forEach((task, items) -> taskScores.add(new TaskScore("base", 0, task,
                MultipleChoice.score(lm, taskTokenizer, items, batch))));

        // Every seed is a whole replicate (split, probe, placement, data order); the base is the same for all.
        List<Long> seeds = cfg.seeds();
        List<MethodResult> results = new ArrayList<>();
        List<LrSearch> searches = new ArrayList<>();
        ProbeResult firstProbe = null;
        List<Long> reused = new ArrayList<>();
        for (int s = 0; s < seeds.size(); s++) {
            long seed = seeds.get(s);
            if (seeds.size() > 1) {
                log.info(String.format("[run] seed %d (%d/%d)", seed, s + 1, seeds.size()));
            }
            List<String> methods = s < cfg.integer("ablationSeeds") || cfg.integer("ablationSeeds") == 0 ? cfg.methods()
                    : cfg.methods().stream().filter(m -> !Methods.get(m).ablation()).toList();
            ReplicateMemo.Entry shared = memo == null ? null
                    : memo.entry(ReplicateMemo.key(cfg, seed, modelDir, general, domain));
            ProbeResult probe = runSeed(lm, general, domain, seed, batch, k, methods, results, searches, tasks,
                    taskScores, shared, reused);
            firstProbe = firstProbe == null ? probe : firstProbe;
        }
        return new Result(cfg.asMap(), base, firstProbe, k, seeds, results, MethodSummary.of(results), searches,
                taskScores, (System.nanoTime() - t0) / 1e9, CausalLm.threads(), reused);
    }

    /**
     * One replicate: split and probe with this seed, then every method; adds its rows to {@code results}. The first
     * replicate also runs the learning-rate search into {@code searches}; every replicate trains with its choices.
     * With a memo entry ({@code shared}, else null) the measurements on the base come from an earlier run when it made
     * them, and the seed is added to {@code reused}.
     */
    private ProbeResult runSeed(CausalLm lm, List<Document> general, List<Document> domain, long seed, int batch, int k,
                                List<String> methods, List<MethodResult> results, List<LrSearch> searches,
                                Map<String, List<MultipleChoice.Item>> tasks, List<TaskScore> taskScores,
                                ReplicateMemo.Entry shared, List<Long> reused)
            throws IOException {
        // The split AdeptTrainer uses (same corpus, seed and window length): probing sees training text only, and the
        // token-level evaluation uses the same validation windows as the perplexities.
        Tokenizer tok = Tokenizers.fromSpec(lm.config().tokenizer());
        WindowSpec spec = WindowSpec.packed(lm.seqLen());
        SplitWindows generalSplit = SplitWindows.build("general", general, SplitWindows.DEFAULT_VALIDATION_FRACTION, seed,
                tok, spec);
        SplitWindows domainSplit = SplitWindows.build("domain", domain, SplitWindows.DEFAULT_VALIDATION_FRACTION, seed,
                tok, spec);
        TokenWindows generalVal = generalSplit.validation();
        TokenWindows domainVal = domainSplit.validation();

        // Stage 1a: probe once per seed, on the general training side; every method that needs ΔL uses the same probe.
        TokenWindows probeWindows = LayerProber.trainingSideWindows(generalSplit, tok, lm.seqLen());
        int tokenBatches = (int) cfg.integer("tokenEvalBatches");
        Supplier<ReplicateMemo.Probed> measure = () -> new ReplicateMemo.Probed(
                new LayerProber(batch, (int) cfg.integer("probeBatches")).probe(lm, probeWindows),
                TokenPredictions.of(lm, generalVal, batch, tokenBatches),
                TokenPredictions.of(lm, domainVal, batch, tokenBatches));
        ReplicateMemo.Measured measured = shared == null ? new ReplicateMemo.Measured(measure.get(), false)
                : shared.probed(measure);
        ReplicateMemo.Probed probed = measured.probed();
        if (measured.reused()) {
            reused.add(seed);
            log.info("[run] probe and base predictions: measured by an earlier run of this JVM on the same base, corpora "
                    + "and seed (reused)");
        }
        ProbeResult probe = probed.probe();
        for (ProbeResult.Layer l : probe.layers()) {
            log.info(String.format("[run] probe: block %d  ΔL %+.4f ± %.4f", l.index(), l.deltaLoss(), l.stdErr()));
        }
        DataSet check = new NextTokenDataSetIterator(probeWindows, 2, BatchLayout.SAMEDIFF, lm.config().vocabSize(),
                false, 0).next();
        List<DataSet> generalBatches = new ArrayList<>(); // importance-scoring baselines score on these (training side)
        NextTokenDataSetIterator gi = new NextTokenDataSetIterator(probeWindows, batch, BatchLayout.SAMEDIFF,
                lm.config().vocabSize(), true, seed + 1);
        while (gi.hasNext() && generalBatches.size() < cfg.integer("probeBatchesPerRefresh")) {
            generalBatches.add(gi.next());
        }

        TokenPredictions generalBase = probed.generalBase();
        TokenPredictions domainBase = probed.domainBase();

        // The learning-rate rule: one shared value, or (learningRates given) each method's best of the grid on a
        // held-out part of the training side, searched once, on the first seed, and kept for every seed.
        if (searches.isEmpty() && !cfg.learningRates().isEmpty()) {
            for (String name : methods) {
                searches.add(searchLearningRate(Methods.get(name), new Method.Context(lm, probe, k, check, generalBatches, cfg, seed), batch, seed,
                        domainSplit.trainDocs(), generalSplit.trainDocs()));
            }
        }
        ReplicateMemo.Before known = shared == null ? null : shared.before();
        Perplexity.Result gBefore = known == null ? null : known.general();
        Perplexity.Result dBefore = known == null ? null : known.domain();
        for (int i = 0; i < methods.size(); i++) {
            Method m = Methods.get(methods.get(i));
            log.info(String.format("[run] method %d/%d: %s — %s", i + 1, methods.size(), m.name(), m.description()));
            Method.Plan plan = m.plan(new Method.Context(lm, probe, k, check, generalBatches, cfg, seed));
            TuneConfig tc = cfg.tuneConfig(batch, plan.decoupled(), plan.replay()).toBuilder().seed(seed)
                    .learningRate(chosenRate(searches, m.name())).build();
            AdeptTrainer trainer = new AdeptTrainer(tc).withFinalEvalBatches((int) cfg.integer("finalEvalBatches"))
                    .withFrozenMask(plan.frozenMask());
            if (gBefore != null) {
                trainer.withBefore(gBefore, dBefore); // every method starts from the same function
            }
            AdeptTrainer.Result r = trainer.run(plan.model(), plan.trainable(), plan.seedFrom(), domain, general);
            gBefore = r.generalBefore();
            dBefore = r.domainBefore();
            if (shared != null) {
                shared.rememberBefore(new ReplicateMemo.Before(gBefore, dBefore));
            }
            tasks.forEach((task, items) -> taskScores.add(new TaskScore(m.name(), seed, task,
                    MultipleChoice.score(plan.model(), tok, items, batch))));
            TokenPredictions g = TokenPredictions.of(plan.model(), generalVal, batch, tokenBatches);
            TokenPredictions d = TokenPredictions.of(plan.model(), domainVal, batch, tokenBatches);
            List<Integer> copied = plan.manifest() == null ? List.of() : plan.manifest().sources();
            List<Integer> trained = trainedBlocks(plan);
            results.add(new MethodResult(m.name(), seed, m.description(), copied, trained, r.parameters(),
                    r.trainableParameters(), (double) r.trainableParameters() / r.parameters(),
                    r.generalBefore().meanLoss(), r.generalAfter().meanLoss(), r.generalBefore().perplexity(),
                    r.generalAfter().perplexity(), r.generalAfter().perplexity() / r.generalBefore().perplexity() - 1,
                    r.domainBefore().meanLoss(), r.domainAfter().meanLoss(), r.domainBefore().perplexity(),
                    r.domainAfter().perplexity(), r.domainAfter().perplexity() / r.domainBefore().perplexity() - 1,
                    generalBase.accuracy(), g.accuracy(), domainBase.accuracy(), d.accuracy(), g.shiftFrom(generalBase),
                    d.shiftFrom(domainBase), r.trainSeconds(), r.wallSeconds(), r.tokensPerSecond(), r));
        }
        return probe;
    }

    /**
     * One method's learning-rate search: each rate of the grid trains the method for {@code lrSearchSteps} on the
     * training sides of the split only, re-split with another salt, so the domain loss that picks the rate is measured
     * on pieces held out of that training and the reported validation sets never choose anything.
     */
    private LrSearch searchLearningRate(Method m, Method.Context ctx, int batch, long seed, List<Document> domainTrain,
                                        List<Document> generalTrain) {
        List<Double> grid = cfg.learningRates();
        int steps = cfg.integer("lrSearchSteps") > 0 ? (int) cfg.integer("lrSearchSteps") : (int) cfg.integer("steps");
        List<Double> domainLoss = new ArrayList<>();
        List<Double> generalLoss = new ArrayList<>();
        for (double lr : grid) {
            Method.Plan plan = m.plan(ctx);
            TuneConfig tc = cfg.tuneConfig(batch, plan.decoupled(), plan.replay()).toBuilder().seed(seed + SEARCH_SALT)
                    .guard(0, io.adept4j.listeners.PerplexityMonitor.GuardAction.OFF) // a search run is judged by its caller
                    .learningRate(lr).steps(steps).build();
            AdeptTrainer.Result r = new AdeptTrainer(tc).quiet().withFinalEvalBatches((int) cfg.integer("finalEvalBatches"))
                    .withFrozenMask(plan.frozenMask())
                    .run(plan.model(), plan.trainable(), plan.seedFrom(), domainTrain, generalTrain);
            domainLoss.add(r.domainAfter().meanLoss());
            generalLoss.add(r.generalAfter().meanLoss());
            log.info(String.format("[run] lr search: %s at lr %.2e: held-out domain loss %.4f, general %.4f", m.name(), lr,
                    domainLoss.get(domainLoss.size() - 1), generalLoss.get(generalLoss.size() - 1)));
        }
        int best = 0;
        for (int i = 1; i < grid.size(); i++) {
            best = domainLoss.get(i) < domainLoss.get(best) ? i : best;
        }
        log.info(String.format("[run] lr search: %s takes lr %.2e", m.name(), grid.get(best)));
        return new LrSearch(m.name(), steps, grid, domainLoss, generalLoss, grid.get(best));
    }

    /** Salt of the search's re-split of the training side (any value unlike the seeds themselves). */
    private static final long SEARCH_SALT = 1_000_003L;

    /** The rate a method's search chose, or the shared {@code learningRate} when no search ran. */
    private double chosenRate(List<LrSearch> searches, String method) {
        return searches.stream().filter(x -> x.method().equals(method)).mapToDouble(LrSearch::chosen).findFirst()
                .orElse(cfg.real("learningRate"));
    }

    private static List<Integer> trainedBlocks(Method.Plan plan) {
        java.util.TreeSet<Integer> blocks = new java.util.TreeSet<>();
        for (String t : plan.trainable()) {
            int l = io.adept4j.model.LlamaLayout.layerOf(t);
            if (l >= 0) {
                blocks.add(l);
            }
        }
        return new ArrayList<>(blocks);
    }

    /** The documents whose text does not hash (SHA-256 of its UTF-8 bytes) to one of {@code sources}. */
    static List<Document> withoutSources(List<Document> docs, java.util.Set<String> sources) {
        if (sources.isEmpty()) {
            return docs;
        }
        List<Document> kept = new ArrayList<>();
        for (Document d : docs) {
            if (!sources.contains(sha256(d.text()))) {
                kept.add(d);
            }
        }
        return kept;
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
