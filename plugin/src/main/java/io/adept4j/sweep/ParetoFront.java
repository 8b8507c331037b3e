package io.adept4j.sweep;

import java.util.ArrayList;
import java.util.List;

/**
 * The Pareto front of general retention vs domain learning: candidates no other candidate beats on both axes
 * (both minimised: general loss after tuning, domain loss after tuning).
 */
public final class ParetoFront {

    private ParetoFront() {
    }

    /** Indices of the non-dominated points, sorted by the first coordinate; {@code x[i]}, {@code y[i]} minimised. */
    public static List<Integer> of(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("coordinates of different lengths: " + x.length + " and " + y.length);
        }
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            boolean dominated = false;
            for (int j = 0; j < x.length && !dominated; j++) {
                dominated = j != i && x[j] <= x[i] && y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i]);
            }
            if (!dominated && Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                front.add(i);
            }
        }
        front.sort((a, b) -> Double.compare(x[a], x[b]));
        return front;
    }
}
