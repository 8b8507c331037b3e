package io.adept4j.graph;

import io.adept4j.stage2.SplitLearningRateGradientUpdater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Puts per-parameter learning-rate multipliers into the {@link SplitLearningRateGradientUpdater}s of a
 * {@code ComputationGraph}'s updater blocks. DL4J merges adjacent layers with equal updater configurations into one
 * block whose updater sees one flattened view of all their parameters, each in its own layout (a dense weight is a
 * column-major view): the multipliers are laid out the same way, parameter by parameter, at each parameter's offset.
 */
public final class GraphSplitLearningRates {

    private GraphSplitLearningRates() {
    }

    /**
     * Applies {@code multipliers} (paramTable key → array of the parameter's shape); parameters in split blocks that
     * are not named get 1.
     *
     * @return the keys that were placed
     * @throws IllegalArgumentException naming a parameter that is in no split-learning-rate block or has another shape
     */
    public static Set<String> apply(ComputationGraph cg, Map<String, INDArray> multipliers) {
        Set<String> placed = new HashSet<>();
        for (UpdaterBlock block : cg.getUpdater(true).getUpdaterBlocks()) {
            if (!(block.getGradientUpdater() instanceof SplitLearningRateGradientUpdater split)) {
                continue;
            }
            long start = block.getParamOffsetStart();
            INDArray flat = Nd4j.ones(cg.params().dataType(), 1, block.getParamOffsetEnd() - start);
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                String key = p.getLayer().getConfig().getLayerName() + "_" + p.getParamName();
                INDArray m = multipliers.get(key);
                if (m == null) {
                    continue;
                }
                INDArray view = cg.getParam(key); // the block's view is flat; the table's has the shape and order
                if (!Arrays.equals(view.shape(), m.shape()) && view.isVector() && m.isVector() && view.length() == m.length()) {
                    m = m.reshape(view.shape()); // a bias given as [1, n] or [n]
                }
                if (!Arrays.equals(view.shape(), m.shape())) {
                    throw new IllegalArgumentException("multipliers for " + key + " have shape " + Arrays.toString(m.shape())
                            + ", the parameter has " + Arrays.toString(view.shape()));
                }
                INDArray laidOut = Nd4j.toFlattened(view.ordering(), m.castTo(flat.dataType()));
                flat.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(p.getParamOffsetStart() - start,
                                p.getParamOffsetEnd() - start)).assign(laidOut);
                placed.add(key);
            }
            split.setMultipliers(flat);
        }
        for (String key : multipliers.keySet()) {
            if (!placed.contains(key)) {
                throw new IllegalArgumentException("parameter " + key + " is not trained with a SplitLearningRateUpdater");
            }
        }
        return placed;
    }

    /**
     * The multipliers now in the split-learning-rate updaters for {@code keys}, each shaped like its parameter (the
     * inverse of {@link #apply}).
     *
     * @throws IllegalArgumentException naming a parameter that is in no split-learning-rate block
     */
    public static Map<String, INDArray> read(ComputationGraph cg, Set<String> keys) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        for (UpdaterBlock block : cg.getUpdater(true).getUpdaterBlocks()) {
            if (!(block.getGradientUpdater() instanceof SplitLearningRateGradientUpdater split)) {
                continue;
            }
            long start = block.getParamOffsetStart();
            double[] flat = split.multipliers().dup().toDoubleVector();
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                String key = p.getLayer().getConfig().getLayerName() + "_" + p.getParamName();
                if (keys.contains(key)) {
                    INDArray view = cg.getParam(key);
                    double[] mine = Arrays.copyOfRange(flat, (int) (p.getParamOffsetStart() - start),
                            (int) (p.getParamOffsetEnd() - start));
                    out.put(key, Nd4j.createFromArray(mine).castTo(view.dataType()).reshape(view.ordering(), view.shape()));
                }
            }
        }
        for (String key : keys) {
            if (!out.containsKey(key)) {
                throw new IllegalArgumentException("parameter " + key + " is not trained with a SplitLearningRateUpdater");
            }
        }
        return out;
    }
}
