package io.adept4j.datavec.window;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Several window sources mixed by weight, e.g. a domain corpus with replay of general text. Each position draws its
 * source at random with probability proportional to the weights (seeded, so the mix is reproducible) and takes that
 * source's next window, wrapping around when a source is used up.
 */
public final class MixedWindows implements WindowSource {

    private final List<WindowSource> sources;
    private final int[] sourceOf;
    private final int[] indexIn;
    private final int length;

    /**
     * @param sources windows of equal length
     * @param weights non-negative mixing weights, at least one positive
     * @param size    number of windows in the mix
     * @param seed    seed of the draw
     */
    public MixedWindows(List<? extends WindowSource> sources, double[] weights, int size, long seed) {
        if (sources.isEmpty() || sources.size() != weights.length) {
            throw new IllegalArgumentException("need one weight per source: " + sources.size() + " sources, "
                    + weights.length + " weights");
        }
        this.sources = List.copyOf(sources);
        this.length = sources.get(0).length();
        double total = 0;
        for (int i = 0; i < weights.length; i++) {
            if (!(weights[i] >= 0) || Double.isInfinite(weights[i])) {
                throw new IllegalArgumentException("mixing weight " + i + " must be a finite number >= 0, got " + weights[i]);
            }
            if (sources.get(i).length() != length) {
                throw new IllegalArgumentException("all mixed sources need the same window length: " + length
                        + " vs " + sources.get(i).length());
            }
            if (weights[i] > 0 && sources.get(i).size() == 0) {
                throw new IllegalArgumentException("mixed source " + i + " has weight " + weights[i] + " but no windows");
            }
            total += weights[i];
        }
        if (total <= 0) {
            throw new IllegalArgumentException("at least one mixing weight must be positive");
        }
        if (size < 1) {
            throw new IllegalArgumentException("mix size must be positive, got " + size);
        }
        double[] cumulative = new double[weights.length];
        double acc = 0;
        for (int i = 0; i < weights.length; i++) {
            acc += weights[i] / total;
            cumulative[i] = acc;
        }
        int lastPositive = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                lastPositive = i;
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] next = new int[weights.length];
        sourceOf = new int[size];
        indexIn = new int[size];
        for (int k = 0; k < size; k++) {
            double u = rnd.nextDouble();
            int s = 0;
            while (s < lastPositive && (u >= cumulative[s] || weights[s] == 0)) {
                s++;
            }
            sourceOf[k] = s;
            indexIn[k] = next[s];
            next[s] = (next[s] + 1) % sources.get(s).size();
        }
    }

    /** The source index that window {@code i} was drawn from. */
    public int sourceOf(int i) {
        return sourceOf[i];
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int size() {
        return sourceOf.length;
    }

    @Override
    public void tokens(int i, int[] tokens, int tokenOffset) {
        sources.get(sourceOf[i]).tokens(indexIn[i], tokens, tokenOffset);
    }

    @Override
    public void labelMask(int i, byte[] mask, int maskOffset) {
        sources.get(sourceOf[i]).labelMask(indexIn[i], mask, maskOffset);
    }

    @Override
    public void inputMask(int i, byte[] mask, int maskOffset) {
        sources.get(sourceOf[i]).inputMask(indexIn[i], mask, maskOffset);
    }
}
