package io.adept4j.graph;

import java.util.List;

/**
 * A residual block of a DL4J {@code ComputationGraph}: the vertices between a residual-stream vertex ({@code input})
 * and the {@code ElementWiseVertex(Add)} ({@code output}) that adds their result back to that stream.
 *
 * @param index        position along the residual stream (0 = first block)
 * @param input        the stream vertex the block reads (also the add's skip input)
 * @param output       the add vertex: the stream leaving the block
 * @param members      the block's vertices in topological order, the add excluded
 * @param outputLayers the members feeding the add: zeroing their parameters makes the block the identity
 */
public record GraphBlock(int index, String input, String output, List<String> members, List<String> outputLayers) {

    public GraphBlock {
        members = List.copyOf(members);
        outputLayers = List.copyOf(outputLayers);
    }
}
