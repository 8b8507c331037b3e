package io.adept4j.graph;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the residual blocks of a {@code ComputationGraph}, or checks blocks a user declares by vertex names. A block
 * is valid when its members lie on paths from the stream vertex to the add, nothing outside the block reads a member,
 * and every output layer has parameters whose zeroing gives an exact zero residual ({@link OutputProjections}): the
 * block is then bypassed.
 */
public final class GraphBlocks {

    private GraphBlocks() {
    }

    /**
     * Every block of the common residual pattern: an {@code ElementWiseVertex(Add)} of a stream vertex and one or more
     * branches that start from it ({@code x + f(x)}, or a parallel block {@code x + attn(x) + mlp(x)}), in topological
     * order.
     *
     * @throws IllegalArgumentException when the graph has no such block
     */
    public static List<GraphBlock> find(ComputationGraph cg) {
        ComputationGraphConfiguration c = cg.getConfiguration();
        List<GraphBlock> blocks = new ArrayList<>();
        for (String name : topological(cg)) {
            GraphVertex v = c.getVertices().get(name);
            List<String> in = c.getVertexInputs().get(name);
            if (!(v instanceof ElementWiseVertex ew) || ew.getOp() != ElementWiseVertex.Op.Add || in == null || in.size() < 2) {
                continue;
            }
            String stream = null;
            for (String candidate : in) {
                boolean feedsAll = in.stream().allMatch(o -> o.equals(candidate) || ancestors(c, o).contains(candidate));
                if (feedsAll) {
                    stream = candidate;
                    break;
                }
            }
            if (stream == null) {
                continue;
            }
            try {
                blocks.add(declare(cg, blocks.size(), stream, name));
            } catch (IllegalArgumentException e) {
                // an add that is not a clean residual block (e.g. a member read from outside): not a block
            }
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no residual blocks found: expected ElementWiseVertex(Add) vertices adding a"
                    + " layer path back to its input; declare blocks with GraphBlocks.declare(graph, index, input, add)");
        }
        return blocks;
    }

    /**
     * A user-declared block from its stream vertex and its add vertex.
     *
     * @throws IllegalArgumentException naming the vertex that makes the declaration invalid
     */
    public static GraphBlock declare(ComputationGraph cg, int index, String input, String add) {
        ComputationGraphConfiguration c = cg.getConfiguration();
        Map<String, List<String>> inputs = c.getVertexInputs();
        if (!c.getVertices().containsKey(add) || !(c.getVertices().get(add) instanceof ElementWiseVertex ew)
                || ew.getOp() != ElementWiseVertex.Op.Add) {
            throw new IllegalArgumentException("vertex '" + add + "' is not an ElementWiseVertex(Add)");
        }
        List<String> addIn = inputs.get(add);
        if (addIn == null || !addIn.contains(input)) {
            throw new IllegalArgumentException("add vertex '" + add + "' does not read '" + input + "' (its skip input)");
        }
        Set<String> between = new LinkedHashSet<>();
        for (String name : topological(cg)) {
            if (!name.equals(input) && !name.equals(add) && ancestors(c, name).contains(input)
                    && (ancestors(c, add).contains(name))) {
                between.add(name);
            }
        }
        List<String> outputs = new ArrayList<>();
        for (String i : addIn) {
            if (!i.equals(input)) {
                if (!between.contains(i)) {
                    throw new IllegalArgumentException("add vertex '" + add + "' reads '" + i + "', which is not on a path from '"
                            + input + "'");
                }
                outputs.add(i);
            }
        }
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("add vertex '" + add + "' has no residual branch");
        }
        for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
            if (between.contains(e.getKey()) || e.getKey().equals(add)) {
                continue;
            }
            for (String i : e.getValue()) {
                if (between.contains(i)) {
                    throw new IllegalArgumentException("vertex '" + e.getKey() + "' outside the block reads block member '" + i + "'");
                }
            }
        }
        for (String o : outputs) {
            requireZeroPreserving(c, o);
        }
        return new GraphBlock(index, input, add, new ArrayList<>(between), outputs);
    }

    private static void requireZeroPreserving(ComputationGraphConfiguration c, String vertex) {
        OutputProjections.of(vertex, layerOf(c, vertex));
    }

    /**
     * paramTable keys that, set to zero, make {@code block} the identity (its output layers' projections, see
     * {@link OutputProjections}).
     */
    public static List<String> zeroingParams(ComputationGraph cg, GraphBlock block) {
        List<String> keys = new ArrayList<>();
        for (String o : block.outputLayers()) {
            for (String p : OutputProjections.of(o, layerOf(cg.getConfiguration(), o))) {
                keys.add(o + "_" + p);
            }
        }
        return keys;
    }

    /** Layer configuration of a vertex, or null when the vertex is not a layer. */
    static Layer layerOf(ComputationGraphConfiguration c, String vertex) {
        return c.getVertices().get(vertex) instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
    }

    static Set<String> ancestors(ComputationGraphConfiguration c, String vertex) {
        Set<String> seen = new HashSet<>();
        List<String> stack = new ArrayList<>(c.getVertexInputs().getOrDefault(vertex, List.of()));
        while (!stack.isEmpty()) {
            String v = stack.remove(stack.size() - 1);
            if (seen.add(v)) {
                stack.addAll(c.getVertexInputs().getOrDefault(v, List.of()));
            }
        }
        return seen;
    }

    static List<String> topological(ComputationGraph cg) {
        List<String> out = new ArrayList<>();
        for (int i : cg.topologicalSortOrder()) {
            out.add(cg.getVertices()[i].getVertexName());
        }
        return out;
    }
}
