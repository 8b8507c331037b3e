package io.adept4j.ops;

/**
 * Prompt release of ND4J's native buffers during and between training steps.
 *
 * <p>ND4J 1.0.0-M2.1 frees an array's off-heap buffer only after the Java garbage collector has collected the small
 * Java object that owns it. A SameDiff training step allocates hundreds of MB of such buffers while creating few Java
 * objects, so the collector rarely runs, native garbage piles up (RSS of 4–6 GB for a 1.8 M-parameter model) and every
 * new buffer lands on fresh pages. Collecting during the step keeps RSS near 2–3.4 GB instead.
 *
 * <p>A full collection is not free: 30–40 ms here (G1, ~31 MB live heap, thousands of native buffers to release), so
 * collections are paced by the time they take ({@link #reclaimIfDue()}): after one that took {@code d}, the next waits
 * at least {@code d·(1/share − 1)} and never less than {@link #MIN_INTERVAL_MILLIS}, which keeps collecting at about
 * {@code share} of the wall time whatever the model size. The earlier fixed 100 ms interval spent about a quarter of a
 * step collecting: {@code ./adept bench model --sizes 256x8 --steps 6} (B=16, T=128, one thread), run interleaved,
 * 3.90 and 3.87 s per training step (286–303 collections, 10.6–11.7 s) against 3.15 and 2.79 s with a share of 0.1
 * (89–94 collections, 3.2–3.5 s), forward 1,910–2,253 → 2,410–2,898 tokens/s, at a peak RSS of 3,341–3,392 MiB
 * instead of 2,966–3,011 MiB.
 */
public final class NativeMemory {

    /** Shortest time between two collections. */
    public static final long MIN_INTERVAL_MILLIS = 100;
    /** System property that sets {@link #TIME_SHARE}: lower trades speed for memory. */
    public static final String TIME_SHARE_PROPERTY = "adept4j.gcShare";
    /** Default largest share of the wall time spent in these collections. */
    public static final double DEFAULT_TIME_SHARE = 0.1;
    /** Largest share of the wall time spent in these collections, in (0, 1]. */
    public static final double TIME_SHARE = timeShare(System.getProperty(TIME_SHARE_PROPERTY));

    private static volatile long nextNanos = System.nanoTime();

    private NativeMemory() {
    }

    /** Collects now, so ND4J's deallocator frees the buffers of arrays no longer referenced. */
    public static void reclaim() {
        long t0 = System.nanoTime();
        System.gc();
        long t1 = System.nanoTime();
        nextNanos = t1 + Math.max(MIN_INTERVAL_MILLIS * 1_000_000L, (long) ((t1 - t0) * (1 / TIME_SHARE - 1)));
    }

    /** Collects if the pacing above allows it now; returns whether it did. */
    public static boolean reclaimIfDue() {
        if (System.nanoTime() - nextNanos >= 0) {
            reclaim();
            return true;
        }
        return false;
    }

    /** Parses a {@link #TIME_SHARE_PROPERTY} value (null: the default), naming the property when it is out of range. */
    public static double timeShare(String value) {
        if (value == null) {
            return DEFAULT_TIME_SHARE;
        }
        double v;
        try {
            v = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v > 0 && v <= 1)) {
            throw new IllegalArgumentException("-D" + TIME_SHARE_PROPERTY + " must be a number in (0, 1], got '"
                    + value + "'");
        }
        return v;
    }
}
