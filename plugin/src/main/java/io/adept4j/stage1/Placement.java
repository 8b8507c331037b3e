package io.adept4j.stage1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Which blocks get an identity copy: the K blocks with the lowest probe ΔL (ADEPT), positions given explicitly, or
 * LLaMA-Pro's uniform placement (a copy after the last block of each of K equal groups).
 *
 * @param strategy {@code probe}, {@code explicit} or {@code uniform}
 * @param sources  the chosen source blocks, ascending
 */
public record Placement(String strategy, List<Integer> sources) {

    public Placement {
        sources = List.copyOf(new TreeSet<>(sources));
    }

    /** The {@code k} blocks with the smallest ΔL; ties go to the lower index. */
    public static Placement lowestDelta(ProbeResult probe, int k) {
        probe.requireValid("the probe");
        requireK(k, probe.numLayers());
        return new Placement("probe", probe.leastImportantFirst().subList(0, k));
    }

    /**
     * Positions given by the user.
     *
     * @throws IllegalArgumentException for an empty list, a duplicate or an index outside {@code [0, layers)}
     */
    public static Placement explicit(int[] layers, int numLayers) {
        if (layers.length == 0) {
            throw new IllegalArgumentException("--layers needs at least one block index");
        }
        TreeSet<Integer> set = new TreeSet<>();
        for (int l : layers) {
            if (l < 0 || l >= numLayers) {
                throw new IllegalArgumentException("block " + l + " is out of range: the model has blocks 0.." + (numLayers - 1));
            }
            if (!set.add(l)) {
                throw new IllegalArgumentException("block " + l + " is listed twice in " + Arrays.toString(layers));
            }
        }
        return new Placement("explicit", new ArrayList<>(set));
    }

    /**
     * LLaMA-Pro: split the blocks into {@code k} groups of {@code L/k} and copy the last block of each group
     * ({@code (i+1) % (L/k) == 0}); like the reference, {@code k} must divide the number of blocks.
     */
    public static Placement uniform(int k, int numLayers) {
        requireK(k, numLayers);
        if (numLayers % k != 0) {
            throw new IllegalArgumentException("uniform placement needs K to divide the number of blocks: K=" + k
                    + ", blocks=" + numLayers);
        }
        int group = numLayers / k;
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            if ((i + 1) % group == 0) {
                out.add(i);
            }
        }
        return new Placement("uniform", out);
    }

    /** The one check of K, for every model kind and command: {@code 1 ≤ K ≤ blocks}. */
    public static void requireK(int k, int numLayers) {
        if (k < 1 || k > numLayers) {
            throw new IllegalArgumentException("K must be between 1 and the number of blocks (" + numLayers + "), got " + k);
        }
    }
}
