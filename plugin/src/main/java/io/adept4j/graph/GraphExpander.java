package io.adept4j.graph;

import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.stage1.Placement;
import io.adept4j.stage2.SplitLearningRateUpdater;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ADEPT Stage 1b for a {@code ComputationGraph}: a new graph in which each chosen block's vertices are cloned (renamed
 * with {@value #SUFFIX}) and inserted right after the source block, reading the source block's output; everything
 * that read the source block's output reads the copy's instead. The copies' output projections ({@link OutputProjections}) start at zero, so the new
 * graph computes exactly what the old one did; all parameters are carried over; every original layer with parameters is
 * frozen ({@link FrozenLayerWithBackprop} downstream of a copy, so the copies get their true gradient, {@link FrozenLayer}
 * upstream; output layers, which DL4J does not let be wrapped, get a learning rate of exactly 0), and the copies' layers train with a {@link SplitLearningRateUpdater} around their updater.
 * The original graph is not changed.
 */
public final class GraphExpander {

    /** Suffix of cloned vertices. */
    public static final String SUFFIX = "_copy";

    /** The expanded graph and how it was made. */
    public record Expansion(ComputationGraph graph, List<GraphBlock> blocks, ExpansionManifest manifest,
                            Map<String, String> copyOf, Map<String, String> seedFrom) {
        /** The inserted copies. */
        public List<GraphBlock> copies() {
            return blocks.stream().filter(b -> copyOf.containsKey(b.output())).toList();
        }
    }

    private GraphExpander() {
    }

    /**
     * Expands {@code cg}.
     *
     * @param blocks    the graph's blocks ({@link GraphBlocks})
     * @param placement which blocks to copy (indices into {@code blocks})
     * @param check     a batch on which the expanded outputs are compared with the original's (or null)
     */
    public static Expansion expand(ComputationGraph cg, List<GraphBlock> blocks, Placement placement, DataSet check) {
        return expand(cg, blocks, placement, check, null);
    }

    /**
     * Expands {@code cg}, the copies' updaters learning at {@code copyLearningRate} (a schedule, or null to keep each
     * layer's own): set in the configuration, because DL4J M2.1's {@code setLearningRate(layer, schedule)} fails on
     * rebuilt updater state.
     */
    public static Expansion expand(ComputationGraph cg, List<GraphBlock> blocks, Placement placement, DataSet check,
                                   org.nd4j.linalg.schedule.ISchedule copyLearningRate) {
        for (int s : placement.sources()) {
            if (s < 0 || s >= blocks.size()) {
                throw new IllegalArgumentException("block " + s + " does not exist: the graph has " + blocks.size() + " blocks");
            }
        }
        ComputationGraphConfiguration c = cg.getConfiguration().clone();
        Map<String, GraphVertex> vertices = c.getVertices();
        Map<String, List<String>> inputs = c.getVertexInputs();
        Map<String, String> copyOf = new LinkedHashMap<>();        // copy vertex → source vertex
        Map<String, String> alias = new HashMap<>();               // stream vertex → what now carries it
        List<GraphBlock> expandedBlocks = new ArrayList<>();
        List<ExpansionManifest.Block> manifestBlocks = new ArrayList<>();
        List<Integer> sources = placement.sources().stream().sorted().toList();
        for (GraphBlock b : blocks) {
            expandedBlocks.add(b);
            manifestBlocks.add(new ExpansionManifest.Block(manifestBlocks.size(), b.index(), false));
            if (!sources.contains(b.index())) {
                continue;
            }
            Map<String, String> rename = new HashMap<>();
            for (String m : b.members()) {
                rename.put(m, unique(vertices, m + SUFFIX));
            }
            String copyAdd = unique(vertices, b.output() + SUFFIX);
            rename.put(b.output(), copyAdd);
            String stream = b.output();
            // consumers of the source block's output now read the copy's output
            for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
                e.setValue(e.getValue().stream().map(i -> i.equals(stream) ? copyAdd : i).toList());
            }
            c.setNetworkOutputs(c.getNetworkOutputs().stream().map(o -> o.equals(stream) ? copyAdd : o).toList());
            String blockInput = alias.getOrDefault(b.input(), b.input());
            List<String> copyMembers = new ArrayList<>();
            for (String m : concat(b.members(), b.output())) {
                GraphVertex clone = vertices.get(m).clone();
                String name = rename.get(m);
                if (clone instanceof LayerVertex lv) {
                    Layer layer = lv.getLayerConf().getLayer();
                    if (layer instanceof FrozenLayer f) {            // a block of an already expanded graph: the copy trains
                        layer = f.getLayer();
                    } else if (layer instanceof FrozenLayerWithBackprop f) {
                        layer = f.getUnderlying();
                    }
                    lv.getLayerConf().setLayer(layer);
                    layer.setLayerName(name);
                    if (layer instanceof BaseLayer bl) {
                        bl.setIUpdater(split(bl.getIUpdater(), copyLearningRate));
                        if (bl.getBiasUpdater() != null) {
                            bl.setBiasUpdater(split(bl.getBiasUpdater(), copyLearningRate));
                        }
                    } else if (layer instanceof AbstractSameDiffLayer sdl) {
                        sdl.setUpdater(split(sdl.getUpdater(), copyLearningRate));
                        if (sdl.getBiasUpdater() != null) {
                            sdl.setBiasUpdater(split(sdl.getBiasUpdater(), copyLearningRate));
                        }
                    }
                }
                List<String> in = new ArrayList<>();
                for (String i : inputs.get(m)) {
                    in.add(i.equals(blockInput) || i.equals(b.input()) ? stream : rename.getOrDefault(i, i));
                }
                vertices.put(name, clone);
                inputs.put(name, in);
                copyOf.put(name, m);
                if (!m.equals(b.output())) {
                    copyMembers.add(name);
                }
            }
            alias.put(b.output(), copyAdd);
            GraphBlock copy = new GraphBlock(-1, stream, copyAdd, copyMembers,
                    b.outputLayers().stream().map(rename::get).toList());
            expandedBlocks.add(copy);
            manifestBlocks.add(new ExpansionManifest.Block(manifestBlocks.size(), b.index(), true));
        }
        // Freeze every original layer with parameters. Layers downstream of a copy must still pass gradients back
        // (FrozenLayerWithBackprop): DL4J's FrozenLayer stops backpropagation, which would silently drop every path
        // from a copy through a frozen branch to the loss. Upstream layers need no backward pass (FrozenLayer). DL4J
        // refuses frozen wrappers around output layers: those get a learning rate of exactly 0 (plain SGD: the update
        // lr·g is 0, so the parameters keep their bits) and no regularisation.
        java.util.Set<String> downstream = descendants(inputs, copyOf.keySet());
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            if (copyOf.containsKey(e.getKey()) || !(e.getValue() instanceof LayerVertex lv)
                    || lv.getLayerConf().getLayer() instanceof FrozenLayer
                    || lv.getLayerConf().getLayer() instanceof FrozenLayerWithBackprop) {
                continue;
            }
            Layer layer = lv.getLayerConf().getLayer();
            if (layer.initializer().numParams(layer) == 0) {
                continue; // nothing to freeze; wrapping would only block backpropagation
            }
            if (c.getNetworkOutputs().contains(e.getKey())) {
                if (layer instanceof BaseLayer bl) {
                    bl.setIUpdater(new Sgd(0.0));
                    bl.setBiasUpdater(null);
                    bl.setRegularization(new ArrayList<>());
                    bl.setRegularizationBias(new ArrayList<>());
                } else {
                    throw new IllegalArgumentException("output layer '" + e.getKey() + "' is a " + layer.getClass().getSimpleName()
                            + ", which adept4j cannot freeze (DL4J does not allow FrozenLayer on output layers)");
                }
            } else {
                Layer frozen = downstream.contains(e.getKey()) ? new FrozenLayerWithBackprop(layer) : new FrozenLayer(layer);
                frozen.setLayerName(layer.getLayerName()); // DL4J's restore looks vertex inputs up by layer name
                lv.getLayerConf().setLayer(frozen);
            }
        }
        c.setTopologicalOrder(null);
        c.setTopologicalOrderStr(null);
        ComputationGraph out = new ComputationGraph(c);
        out.init();

        List<String> zeroed = new ArrayList<>();
        List<String> trainable = new ArrayList<>();
        Map<String, String> seedFrom = new LinkedHashMap<>();
        Map<String, INDArray> oldParams = cg.paramTable();
        java.util.Set<String> zeroing = new java.util.HashSet<>();
        for (GraphBlock b : expandedBlocks) {
            if (copyOf.containsKey(b.output())) {
                zeroing.addAll(GraphBlocks.zeroingParams(out, b));
            }
        }
        for (Map.Entry<String, INDArray> e : out.paramTable().entrySet()) {
            String key = e.getKey();
            String vertex = vertexOf(out, key);
            String source = copyOf.get(vertex);
            if (source == null) {
                e.getValue().assign(oldParams.get(key));
                continue;
            }
            String sourceKey = source + key.substring(vertex.length());
            trainable.add(key);
            seedFrom.put(key, sourceKey);
            if (zeroing.contains(key)) {
                e.getValue().assign(0);
                zeroed.add(key);
            } else {
                e.getValue().assign(oldParams.get(sourceKey));
            }
        }
        List<GraphBlock> renumbered = new ArrayList<>();
        for (int i = 0; i < expandedBlocks.size(); i++) {
            GraphBlock b = expandedBlocks.get(i);
            boolean copy = copyOf.containsKey(b.output());
            String input = copy ? b.input() : alias.getOrDefault(b.input(), b.input()); // originals now read the copy
            renumbered.add(new GraphBlock(i, input, b.output(), b.members(), b.outputLayers()));
        }
        double diff = check == null ? Double.NaN : maxAbsDiff(cg, out, check);
        ExpansionManifest m = new ExpansionManifest(GraphProber.fingerprint(cg), GraphProber.fingerprint(out), blocks.size(),
                renumbered.size(), sources.size(), placement.strategy(), sources, manifestBlocks, zeroed, trainable, null, diff);
        return new Expansion(out, renumbered, m, copyOf, seedFrom);
    }

    /** Every vertex reachable from {@code from} (excluded) along the graph's edges. */
    private static java.util.Set<String> descendants(Map<String, List<String>> inputs, java.util.Collection<String> from) {
        java.util.Set<String> out = new java.util.HashSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(from);
        while (!todo.isEmpty()) {
            String v = todo.pop();
            for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
                if (e.getValue().contains(v) && out.add(e.getKey())) {
                    todo.push(e.getKey());
                }
            }
        }
        out.removeAll(from);
        return out;
    }

    private static IUpdater split(IUpdater u, org.nd4j.linalg.schedule.ISchedule lr) {
        IUpdater base = (u instanceof SplitLearningRateUpdater s ? s.getBase() : u).clone();
        if (lr != null) {
            if (!base.hasLearningRate()) {
                throw new IllegalArgumentException("the copies' updater " + base.getClass().getSimpleName()
                        + " has no learning rate to set");
            }
            base.setLrAndSchedule(Double.NaN, lr);
        }
        return new SplitLearningRateUpdater(base);
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> l = new ArrayList<>(a);
        l.add(b);
        return l;
    }

    private static String unique(Map<String, GraphVertex> vertices, String name) {
        String n = name;
        for (int i = 2; vertices.containsKey(n); i++) {
            n = name + i;
        }
        return n;
    }

    /** The vertex a {@code paramTable()} key belongs to ({@code vertex_param}; vertex names may contain '_'). */
    static String vertexOf(ComputationGraph cg, String paramKey) {
        String best = null;
        for (var v : cg.getVertices()) {
            String n = v.getVertexName();
            if (paramKey.startsWith(n + "_") && (best == null || n.length() > best.length())) {
                best = n;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no vertex owns parameter " + paramKey);
        }
        return best;
    }

    /** Max |output difference| of two graphs on one batch. */
    public static double maxAbsDiff(ComputationGraph a, ComputationGraph b, DataSet batch) {
        INDArray x = a.outputSingle(false, batch.getFeatures());
        INDArray y = b.outputSingle(false, batch.getFeatures());
        return org.nd4j.linalg.factory.Nd4j.math().abs(x.sub(y)).maxNumber().doubleValue();
    }
}
