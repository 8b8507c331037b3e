package io.adept4j.ops;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Calls {@link NativeMemory#reclaimIfDue()} after executed ops, so the native buffers of intermediates that a long
 * forward/backward pass no longer references are freed during the pass rather than after it (peak memory), at most a
 * few times per second.
 */
public final class ReclaimListener extends BaseListener {

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                            INDArray[] outputs) {
        NativeMemory.reclaimIfDue();
    }
}
