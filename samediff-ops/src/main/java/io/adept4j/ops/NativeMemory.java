package io.adept4j.ops;

/**
 * Prompt release of ND4J's native buffers during and between training steps.
 *
 * <p>ND4J 1.0.0-M2.1 frees an array's off-heap buffer only after the Java garbage collector has collected the small
 * Java object that owns it. A SameDiff training step allocates hundreds of MB of such buffers while creating few Java
 * objects, so the collector rarely runs, native garbage piles up (RSS of 4–6 GB for a 1.8 M-parameter model) and every
 * new buffer lands on fresh pages. Collecting once per step kept RSS near 2 GB and cut a d=128, 4-block training step
 * from 2.5–2.9 s to 1.1 s on a 2-vCPU machine ({@code adept bench model}); one collection takes ~30–40 ms.
 *
 * <p>Collections are rate-limited ({@link #reclaimIfDue()}): at most one per {@link #MIN_INTERVAL_MILLIS}, so tiny models
 * whose steps take milliseconds do not spend their time collecting, while a 5 s step of a large model is collected
 * dozens of times. At d=256, 8 blocks, B=16, T=128 that held peak RSS at 2,947–3,134 MiB (100 ms) and 3,082–3,243 MiB
 * (150–250 ms) instead of 5.3–5.7 GB, with step times inside the run-to-run noise.
 */
public final class NativeMemory {

    /** Shortest time between two collections. */
    public static final long MIN_INTERVAL_MILLIS = 100;

    private static volatile long lastNanos;

    private NativeMemory() {
    }

    /** Collects now, so ND4J's deallocator frees the buffers of arrays no longer referenced. */
    public static void reclaim() {
        System.gc();
        lastNanos = System.nanoTime();
    }

    /** Collects if the last collection was at least {@link #MIN_INTERVAL_MILLIS} ago; returns whether it did. */
    public static boolean reclaimIfDue() {
        if (System.nanoTime() - lastNanos >= MIN_INTERVAL_MILLIS * 1_000_000L) {
            reclaim();
            return true;
        }
        return false;
    }
}
