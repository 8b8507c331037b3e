package io.adept4j.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Data parallelism inside one batch: the batch's rows split into contiguous shards, each computed on its own thread,
 * results combined in shard order.
 *
 * <p>Why: with BLAS on several OpenMP threads a step of these small models got slower (every one of a few hundred
 * operations per step forks and joins the team, and the element-wise work stays on one thread). Whole shards on
 * separate threads, each calling single-threaded BLAS, keep every core busy for the whole step. A fixed shard count
 * gives the same numbers on every run (sums in shard order); they differ from the unsharded batch's in the last float
 * bits only, because the batch mean is formed from shard means.
 */
final class BatchShards {

    /** The workers of every model of this JVM, made as needed and reused: daemon threads, idle ones retire. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "adept4j-shard");
        t.setDaemon(true);
        return t;
    });

    private BatchShards() {
    }

    /** A batch of token ids alone (no labels), for the forward passes that return hidden states. */
    static DataSet ofIds(INDArray ids) {
        return new org.nd4j.linalg.dataset.DataSet(ids, null);
    }

    /**
     * How many shards {@code batch} is split into on {@code threads} threads: one per thread, at most one per row, and 1
     * (not split) when a shard would hold no token to predict (a shard of padding alone has no mean).
     */
    static int count(DataSet batch, int threads) {
        long rows = batch.getFeatures().size(0);
        int n = (int) Math.min(threads, rows);
        if (n < 2) {
            return 1;
        }
        INDArray mask = batch.getLabelsMaskArray();
        if (mask != null) {
            long[] bounds = bounds(rows, n);
            for (int s = 0; s < n; s++) {
                if (mask.get(NDArrayIndex.interval(bounds[s], bounds[s + 1]), NDArrayIndex.all()).sumNumber()
                        .doubleValue() == 0) {
                    return 1;
                }
            }
        }
        return n;
    }

    /** The first row of each of {@code n} contiguous, nearly equal shards of {@code rows} rows, then {@code rows}. */
    private static long[] bounds(long rows, int n) {
        long[] bounds = new long[n + 1];
        for (int s = 0; s <= n; s++) {
            bounds[s] = rows * s / n;
        }
        return bounds;
    }

    /** Rows {@code [from, to)} of a batch (features, labels and their masks); views copied, so threads share nothing. */
    static DataSet rows(DataSet batch, long from, long to) {
        return new org.nd4j.linalg.dataset.DataSet(slice(batch.getFeatures(), from, to), slice(batch.getLabels(), from, to),
                slice(batch.getFeaturesMaskArray(), from, to), slice(batch.getLabelsMaskArray(), from, to));
    }

    private static INDArray slice(INDArray a, long from, long to) {
        return a == null ? null : a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
    }

    /** The work on one shard: its rows of the batch, and where they lie in it ({@code [fromRow, toRow)}). */
    interface ShardWork<T> {
        T apply(DataSet part, long fromRow, long toRow);
    }

    /** {@link #map(DataSet, int, ShardWork)} for work that needs only the shard's rows. */
    static <T> List<T> map(DataSet batch, int n, Function<DataSet, T> work) {
        return map(batch, n, (part, from, to) -> work.apply(part));
    }

    /**
     * {@code work} on {@code n} contiguous row ranges of {@code batch} ({@link #count} of them), the first on the calling
     * thread and the rest on pool threads; the results in shard order.
     */
    static <T> List<T> map(DataSet batch, int n, ShardWork<T> work) {
        long[] bounds = bounds(batch.getFeatures().size(0), n);
        List<DataSet> parts = new ArrayList<>(n);
        for (int s = 0; s < n; s++) {
            parts.add(rows(batch, bounds[s], bounds[s + 1]));
        }
        List<Future<T>> futures = new ArrayList<>(n - 1);
        for (int s = 1; s < n; s++) {
            DataSet part = parts.get(s);
            long from = bounds[s];
            long to = bounds[s + 1];
            futures.add(POOL.submit(() -> work.apply(part, from, to)));
        }
        List<T> out = new ArrayList<>(n);
        out.add(work.apply(parts.get(0), bounds[0], bounds[1]));
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a batch shard", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            }
        }
        return out;
    }
}
