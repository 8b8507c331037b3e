package io.adept4j.stage1;

import io.adept4j.model.CausalLm;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A short content hash of a model (shapes and a strided sample of every tensor's values), recorded in probe results and
 * expansion manifests so that a probe made on one model is never used to expand another.
 */
public final class ModelFingerprint {

    private static final int SAMPLES_PER_TENSOR = 64;

    private ModelFingerprint() {
    }

    public static String of(CausalLm model) {
        long h = 0xcbf29ce484222325L;
        for (Map.Entry<String, INDArray> e : model.weights().entrySet()) {
            h = mix(h, e.getKey().hashCode());
            INDArray a = e.getValue().reshape(-1);
            for (long s : e.getValue().shape()) {
                h = mix(h, s);
            }
            long n = a.length();
            long step = Math.max(1, n / SAMPLES_PER_TENSOR);
            for (long i = 0; i < n; i += step) {
                h = mix(h, Float.floatToIntBits(a.getFloat(i)));
            }
        }
        return String.format("%016x", h);
    }

    private static long mix(long h, long v) {
        h ^= v;
        h *= 0x100000001b3L;
        return h ^ (h >>> 29);
    }
}
