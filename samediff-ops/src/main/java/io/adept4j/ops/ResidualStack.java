package io.adept4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A residual network described as a pure function of its weights: a stem that makes the residual stream, a block
 * builder applied once per block, and a head that turns the stream into a loss. SameDiff 1.0.0-M2.1 cannot insert or
 * rewire ops in a built graph, so surgery edits the weight map and rebuilds: {@link #restack} makes a network whose
 * blocks are any sequence of the old blocks (a block removed, or followed by a copy whose output projections are
 * zero), and {@link #build} declares every block ({@link DeclaredBlock}) of the graph it builds.
 *
 * <p>Block {@code i}'s tensors are named {@code prefix(i) + local name}; the block builder asks for them by local name.
 */
public final class ResidualStack {

    /** Builds the residual stream entering block 0. */
    @FunctionalInterface
    public interface Stem {
        SDVariable build(SameDiff sd, Function<String, SDVariable> param);
    }

    /** Builds one block: returns the stream leaving it, given the stream entering it. */
    @FunctionalInterface
    public interface Block {
        SDVariable build(SameDiff sd, SDVariable input, Function<String, SDVariable> localParam);
    }

    /** Builds the loss (and any outputs) from the stream leaving the last block; returns the loss variable. */
    @FunctionalInterface
    public interface Head {
        SDVariable build(SameDiff sd, SDVariable stream, Function<String, SDVariable> param);
    }

    /** A built graph with its declared blocks. */
    public record Built(SameDiff sameDiff, List<DeclaredBlock> blocks) {
    }

    private final Stem stem;
    private final Block block;
    private final Head head;
    private final String prefixFormat;
    private final int numBlocks;
    private final Map<String, INDArray> weights;
    private final List<String> outputProjections;

    /**
     * @param prefixFormat      {@link String#format} pattern of block prefixes, e.g. {@code "block%d."}
     * @param weights           every tensor by full name (block tensors carry their block's prefix)
     * @param outputProjections local names of the tensors that write into the residual stream
     */
    public ResidualStack(Stem stem, Block block, Head head, String prefixFormat, int numBlocks,
                         Map<String, INDArray> weights, List<String> outputProjections) {
        this.stem = stem;
        this.block = block;
        this.head = head;
        this.prefixFormat = prefixFormat;
        this.numBlocks = numBlocks;
        this.weights = new LinkedHashMap<>(weights);
        this.outputProjections = List.copyOf(outputProjections);
    }

    /** Prefix of block {@code i}'s tensors. */
    public String prefix(int i) {
        return String.format(prefixFormat, i);
    }

    /** Number of blocks. */
    public int numBlocks() {
        return numBlocks;
    }

    /** The weight map (full names). */
    public Map<String, INDArray> weights() {
        return weights;
    }

    /** Builds the graph; variables are copies of the weights. */
    public Built build() {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        Function<String, SDVariable> param = name -> vars.computeIfAbsent(name, n -> {
            INDArray a = weights.get(n);
            if (a == null) {
                throw new IllegalArgumentException("no weight named " + n);
            }
            return sd.var(n, a.dup());
        });
        SDVariable x = stem.build(sd, param);
        List<DeclaredBlock> blocks = new ArrayList<>();
        for (int i = 0; i < numBlocks; i++) {
            String p = prefix(i);
            List<String> members = new ArrayList<>();
            SDVariable in = x;
            x = block.build(sd, in, local -> {
                members.add(p + local);
                return param.apply(p + local);
            });
            List<String> outs = outputProjections.stream().map(o -> p + o).filter(members::contains).toList();
            blocks.add(new DeclaredBlock(i, p, in.name(), x.name(), members.stream().distinct().toList(), outs));
        }
        SDVariable loss = head.build(sd, x, param);
        sd.setLossVariables(loss.name());
        return new Built(sd, blocks);
    }

    /**
     * A network whose block {@code j} is a copy of block {@code sources.get(j)}, with its output projections zeroed
     * when {@code j} is in {@code zeroed}. Stem and head tensors are carried over.
     */
    public ResidualStack restack(List<Integer> sources, Set<Integer> zeroed) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : weights.entrySet()) {
            if (blockOf(e.getKey()) < 0) {
                w.put(e.getKey(), e.getValue().dup());
            }
        }
        for (int j = 0; j < sources.size(); j++) {
            int src = sources.get(j);
            if (src < 0 || src >= numBlocks) {
                throw new IllegalArgumentException("block " + src + " does not exist (the network has " + numBlocks + ")");
            }
            String from = prefix(src);
            String to = prefix(j);
            for (Map.Entry<String, INDArray> e : weights.entrySet()) {
                if (blockOf(e.getKey()) == src) {
                    String local = e.getKey().substring(from.length());
                    INDArray a = e.getValue().dup();
                    if (zeroed.contains(j) && outputProjections.contains(local)) {
                        a.assign(0);
                    }
                    w.put(to + local, a);
                }
            }
        }
        return new ResidualStack(stem, block, head, prefixFormat, sources.size(), w, outputProjections);
    }

    /** A network with a zero-output copy inserted right after each chosen block; returns it and the copies' indices. */
    public Map.Entry<ResidualStack, List<Integer>> insertCopiesAfter(Set<Integer> chosen) {
        List<Integer> sources = new ArrayList<>();
        List<Integer> copies = new ArrayList<>();
        for (int i = 0; i < numBlocks; i++) {
            sources.add(i);
            if (chosen.contains(i)) {
                copies.add(sources.size());
                sources.add(i);
            }
        }
        return Map.entry(restack(sources, Set.copyOf(copies)), copies);
    }

    private int blockOf(String name) {
        for (int i = 0; i < numBlocks; i++) {
            if (name.startsWith(prefix(i))) {
                // the longest matching prefix wins ("block1." vs "block10.")
                int best = i;
                for (int j = i + 1; j < numBlocks; j++) {
                    if (name.startsWith(prefix(j)) && prefix(j).length() > prefix(best).length()) {
                        best = j;
                    }
                }
                return best;
            }
        }
        return -1;
    }
}
