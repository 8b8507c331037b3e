package io.adept4j.ops;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deactivates a declared residual block in a built SameDiff graph by zeroing its output projections: the block's
 * branches then add exactly zero, so its output equals its input (the "residual bypass" of layer probing), without
 * rebuilding the graph. {@link #close()} restores the saved arrays bit for bit.
 *
 * <pre>{@code try (BlockBypass off = BlockBypass.deactivate(sd, block)) { lossWithout = ...; } }</pre>
 */
public final class BlockBypass implements AutoCloseable {

    private final SameDiff sd;
    private final Map<String, INDArray> saved = new LinkedHashMap<>();

    private BlockBypass(SameDiff sd) {
        this.sd = sd;
    }

    /** Zeroes the block's output projections; close the result to restore them. */
    public static BlockBypass deactivate(SameDiff sd, DeclaredBlock block) {
        if (block.outputProjections().isEmpty()) {
            throw new IllegalArgumentException("block " + block.index() + " declares no output projections to zero");
        }
        BlockBypass b = new BlockBypass(sd);
        for (String name : block.outputProjections()) {
            INDArray live = sd.getVariable(name).getArr();
            b.saved.put(name, live.dup());
            live.assign(0);
        }
        return b;
    }

    /** Puts the saved arrays back. */
    @Override
    public void close() {
        for (Map.Entry<String, INDArray> e : saved.entrySet()) {
            sd.getVariable(e.getKey()).getArr().assign(e.getValue());
        }
        saved.clear();
    }
}
