package io.adept4j.run;

import io.adept4j.datavec.corpus.Document;
import io.adept4j.eval.Perplexity;
import io.adept4j.eval.TokenPredictions;
import io.adept4j.stage1.ProbeResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What one seed's replicate measures on the base model before any method trains, kept for later runs in this JVM that
 * would measure the same: the layer probe, the base's top-1 predictions and the validation losses before training.
 *
 * <p>Why: a sweep's candidates differ in tuning knobs only (K, the learning rates, the LR ratio, the steps), yet each
 * is a whole run, so each repeated the probe ({@code probeBatches} × (L+1) forward passes) and the before-validation
 * of both corpora. With a memo shared by the candidates of a JVM (a Spark executor's included) the first candidate of
 * each seed measures and the others reuse; the numbers are those the candidate would have measured itself, since they
 * depend on nothing in the key's complement.
 *
 * <p>The key is every run setting except {@link #TUNING_ONLY}, the seed, a SHA-256 of both corpora as the run sees them
 * (task sources already kept out) and the base model folder's files (name, size, modification time). A setting added
 * later is in the key unless it is listed there, so the memo may miss but never serves another replicate's numbers.
 */
public final class ReplicateMemo {

    /**
     * Settings that steer only training, so they never change what is measured on the base before it. {@code methods}
     * is not among them: the before-validation is measured on the first method's starting model (the same function as
     * the base; sweeps train one method).
     */
    static final Set<String> TUNING_ONLY = Set.of("name", "seed", "seeds", "ablationSeeds", "k", "steps",
            "learningRate", "learningRates", "lrSearchSteps", "warmupSteps", "refreshEvery", "initialProbe",
            "granularity", "policy", "splitQuantile", "splitHi", "splitLo", "probeBatchesPerRefresh", "replayWeight",
            "evalEvery", "evalBatches", "forgettingMargin", "guard", "loraRank", "loraAlpha", "loraTargets");

    /** Replicates kept (least recently used out first); each holds a probe and two prediction arrays. */
    static final int CAPACITY = 32;

    /** The probe and the base's predictions, measured together at the start of a replicate. */
    public record Probed(ProbeResult probe, TokenPredictions generalBase, TokenPredictions domainBase) {
    }

    /** The validation losses of both corpora before training. */
    public record Before(Perplexity.Result general, Perplexity.Result domain) {
    }

    /** The probe and predictions one run got, and whether another run had measured them. */
    public record Measured(Probed probed, boolean reused) {
    }

    /** One replicate's measurements: the first caller measures, the others wait for it. */
    public static final class Entry {
        private final CompletableFuture<Probed> measurement = new CompletableFuture<>();
        private boolean claimed;
        private volatile Before before;

        /**
         * The probe and predictions: {@code measure}'s when this caller is the first, else the first caller's (or its
         * failure), waiting for them.
         */
        public Measured probed(Supplier<Probed> measure) {
            boolean first;
            synchronized (this) {
                first = !claimed;
                claimed = true;
            }
            if (!first) {
                try {
                    return new Measured(measurement.join(), true);
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : e;
                }
            }
            try {
                Probed p = measure.get();
                measurement.complete(p);
                return new Measured(p, false);
            } catch (RuntimeException | Error e) {
                measurement.completeExceptionally(e);
                throw e;
            }
        }

        /** The before-validation losses, once a run of this replicate has measured them; else null. */
        public Before before() {
            return before;
        }

        /** Keeps the before-validation losses a run measured. */
        public void rememberBefore(Before measured) {
            before = measured;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > CAPACITY;
        }
    };

    /** The entry of this replicate, new (to be measured) when none is kept or one that failed. */
    public synchronized Entry entry(String key) {
        Entry e = entries.get(key);
        if (e == null || e.measurement.isCompletedExceptionally()) {
            e = new Entry();
            entries.put(key, e);
        }
        return e;
    }

    /** The key of one replicate (see the class comment). */
    public static String key(RunConfig cfg, long seed, Path modelDir, List<Document> general, List<Document> domain) {
        Map<String, Object> settings = new TreeMap<>(cfg.asMap());
        settings.keySet().removeAll(TUNING_ONLY);
        return settings + "|seed=" + seed + "|general=" + BaseProvenance.corpusSha256(general) + "|domain="
                + BaseProvenance.corpusSha256(domain) + "|model=" + folderStamp(modelDir);
    }

    /** The files of a model folder by name, size and modification time. */
    private static String folderStamp(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        try (Stream<Path> files = Files.list(abs)) {
            StringBuilder b = new StringBuilder(abs.toString());
            for (Path f : files.sorted().toList()) {
                b.append(';').append(f.getFileName()).append(':').append(Files.size(f)).append(':')
                        .append(Files.getLastModifiedTime(f).toMillis());
            }
            return b.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the base model folder " + abs + ": " + e.getMessage(), e);
        }
    }
}
