package io.adept4j.train;

import io.adept4j.model.CausalLm;
import io.adept4j.ops.NativeMemory;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Applies any ND4J {@link IUpdater} (Adam, Nesterovs, Sgd, or adept4j's split-learning-rate updater) to named tensors
 * outside SameDiff's {@code fit}: one {@link GradientUpdater} per tensor over a flat state array, plus decoupled weight
 * decay ({@code p ← p − lr·wd·p}, AdamW style) for the tensors chosen for decay, and global-norm gradient clipping.
 * The whole state (every updater's state array) can be saved and restored, so a resumed run continues exactly.
 */
public final class ParameterOptimizer {

    private final IUpdater updater;
    private final ISchedule lrSchedule;
    private final double weightDecay;
    private final Set<String> decayed;
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final Map<String, INDArray> states = new LinkedHashMap<>();

    /**
     * @param updater     the update rule; its learning rate (or schedule) is the base rate
     * @param lrSchedule  the learning-rate schedule, used for weight decay (the updater applies it to its own step)
     * @param weightDecay decoupled weight-decay coefficient (0 = none)
     * @param decayed     tensors that get weight decay (usually matrices, not norms or biases)
     */
    public ParameterOptimizer(IUpdater updater, ISchedule lrSchedule, double weightDecay, Set<String> decayed) {
        this.updater = updater;
        this.lrSchedule = lrSchedule;
        this.weightDecay = weightDecay;
        this.decayed = Set.copyOf(decayed);
    }

    private GradientUpdater<?> updaterFor(String name, INDArray param) {
        return updaters.computeIfAbsent(name, n -> {
            long size = updater.stateSize(param.length());
            INDArray state = size > 0 ? Nd4j.zeros(param.dataType(), 1, size) : null;
            if (state != null) {
                states.put(n, state);
            }
            GradientUpdater<?> gu = updater.instantiate(state, true);
            if (state != null) {
                gu.setStateViewArray(state, new long[]{1, param.length()}, 'c', true);
            }
            return gu;
        });
    }

    /** L2 norm over all gradients together. */
    public static double globalNorm(Collection<INDArray> grads) {
        double sq = 0;
        for (INDArray g : grads) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    /**
     * Scales all gradients so their global norm is at most {@code maxNorm} (no-op if {@code maxNorm <= 0}).
     *
     * @return the norm before clipping
     */
    public static double clip(Collection<INDArray> grads, double maxNorm) {
        double norm = globalNorm(grads);
        if (maxNorm > 0 && norm > maxNorm) {
            double s = maxNorm / (norm + 1e-12);
            for (INDArray g : grads) {
                g.muli(s);
            }
        }
        return norm;
    }

    /**
     * One update of every tensor in {@code grads} (the gradient arrays are overwritten with the updates).
     *
     * @param params    live parameter arrays by name
     * @param grads     gradients by name (same shapes)
     * @param iteration 0-based optimizer step (drives the schedule)
     */
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads, int iteration) {
        double lr = lrSchedule.valueAt(iteration, 0);
        for (Map.Entry<String, INDArray> e : grads.entrySet()) {
            INDArray p = params.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("no parameter for gradient " + e.getKey());
            }
            INDArray g = e.getValue();
            INDArray flat = g.isView() || g.ordering() != 'c' ? g.dup('c').reshape(1, g.length()) : g.reshape(1, g.length());
            GradientUpdater<?> gu = updaterFor(e.getKey(), p);
            gu.applyUpdater(flat, iteration, 0);
            if (weightDecay > 0 && decayed.contains(e.getKey())) {
                if (gu instanceof UnitLearningRates split) {
                    // decoupled decay follows the unit's learning rate: a multiplier of 0 freezes the unit entirely
                    p.subi(p.mul(split.multipliers().reshape(p.shape())).muli(lr * weightDecay));
                } else {
                    p.muli(1 - lr * weightDecay);
                }
            }
            p.subi(flat.reshape(p.shape()));
        }
    }

    /**
     * What one training step saw: the batch loss, its predicted tokens, the gradient norm before clipping, and the
     * seconds spent clipping and applying the updaters (the rest of the step is forward and backward).
     */
    public record StepResult(double loss, double tokens, double gradNorm, double updateSeconds) {
    }

    /**
     * One training step of {@code model} on {@code batch} for the tensors in {@code params}: gradients, global-norm
     * clipping, update, and a rate-limited release of the step's native memory.
     *
     * @throws TrainingDivergedException if the loss is not finite (nothing is updated then)
     */
    public StepResult trainStep(CausalLm model, DataSet batch, Map<String, INDArray> params, int iteration,
                                double clipNorm) {
        CausalLm.LossAndGradients lg = model.lossAndGradients(batch, params.keySet());
        if (!Double.isFinite(lg.loss())) {
            throw new TrainingDivergedException(lg.loss(), iteration);
        }
        long u0 = System.nanoTime();
        double norm = clip(lg.gradients().values(), clipNorm);
        step(params, lg.gradients(), iteration);
        double updateSeconds = (System.nanoTime() - u0) / 1e9;
        NativeMemory.reclaimIfDue();
        return new StepResult(lg.loss(), lg.tokens(), norm, updateSeconds);
    }

    /** The updater instance of a tensor (created on first use), e.g. to set per-unit multipliers. */
    public GradientUpdater<?> updater(String name, INDArray param) {
        return updaterFor(name, param);
    }

    /** Every tensor's optimizer state array, by tensor name (live arrays). */
    public Map<String, INDArray> state() {
        return states;
    }

    /** Restores state arrays saved from {@link #state()} for the given parameters. */
    public void restore(Map<String, INDArray> params, Map<String, INDArray> saved) {
        for (Map.Entry<String, INDArray> e : saved.entrySet()) {
            INDArray p = params.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("optimizer state for unknown tensor " + e.getKey());
            }
            updaterFor(e.getKey(), p);
            INDArray live = states.get(e.getKey());
            if (live == null || live.length() != e.getValue().length()) {
                throw new IllegalArgumentException("optimizer state of " + e.getKey() + " has " + e.getValue().length()
                        + " values, expected " + (live == null ? 0 : live.length()));
            }
            live.assign(e.getValue().reshape(live.shape()));
        }
    }
}
