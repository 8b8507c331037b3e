package io.adept4j.sweep;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One candidate of a sweep: values for ADEPT's knobs by name (Arbiter requires candidates to be {@link Serializable}).
 * {@link #overrides()} turns it into {@code RunConfig} overrides; {@code lrRatio} r becomes the split policy with
 * {@code hi = 2r/(r+1)} and {@code lo = 2/(r+1)}: hi/lo = r, and their mean is 1 at the median split, so the ratio
 * changes how the learning rate is shared between units, not its overall size.
 */
public final class SweepPoint implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The knob that is not a config key of its own. */
    public static final String LR_RATIO = "lrRatio";

    private final TreeMap<String, Object> values;

    public SweepPoint(Map<String, Object> values) {
        this.values = new TreeMap<>(values);
    }

    /** The sampled values, by knob name, sorted. */
    public Map<String, Object> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** The values as config overrides (integers as longs; {@code lrRatio} expanded). */
    public Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            if (e.getKey().equals(LR_RATIO)) {
                io.adept4j.stage2.SplitPolicy split = io.adept4j.stage2.SplitPolicy.ofRatio(0.5, ((Number) v).doubleValue());
                o.put("policy", "split");
                o.put("splitQuantile", split.quantile());
                o.put("splitHi", split.hi());
                o.put("splitLo", split.lo());
            } else {
                o.put(e.getKey(), v instanceof Integer i ? Long.valueOf(i) : v);
            }
        }
        return o;
    }

    /** A stable text key of the values (same values → same key), used to find finished candidates again. */
    public String key() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            String s = v instanceof Double d ? String.format(java.util.Locale.ROOT, "%.6g", d) : String.valueOf(v);
            b.append(b.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(s);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return key();
    }
}
