package io.adept4j.stage2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * What a "unit" of unit importance is, and the one rule, for both model kinds, that turns element importances into
 * unit importances (the paper's {@code I_unit}: the mean over the unit's elements, so a tensor ranks the same whatever
 * its size) and spreads per-unit values back over the parameter. Only the {@link WeightLayout} differs per backend.
 */
public enum Granularity {
    /** One unit per weight tensor (the ADEPT reference code). */
    TENSOR,
    /** One unit per output neuron (the method's figure): a row of an {@code [out, in]} matrix, an element of a vector. */
    NEURON,
    /** Every element is its own unit. */
    ELEMENT;

    /**
     * Unit importances of one parameter: a scalar (TENSOR), one per output neuron (NEURON) or the elements themselves
     * (ELEMENT), each the mean of its elements' importances.
     */
    public INDArray units(INDArray elements, WeightLayout layout) {
        return switch (this) {
            case TENSOR -> elements.mean().reshape(1);
            case NEURON -> {
                int axis = layout.neuronAxis(elements.shape());
                if (axis < 0) {
                    yield elements.reshape(elements.length()).dup();
                }
                int[] others = IntStream.range(0, elements.rank()).filter(d -> d != axis).toArray();
                yield elements.mean(others).reshape(elements.size(axis));
            }
            case ELEMENT -> elements.dup();
        };
    }

    /** Spreads per-unit values over a parameter of {@code shape} laid out as {@code layout}: the inverse of {@link #units}. */
    public INDArray expand(INDArray units, long[] shape, WeightLayout layout) {
        INDArray full = Nd4j.create(units.dataType(), shape);
        switch (this) {
            case TENSOR -> full.assign(units.getDouble(0));
            case NEURON -> {
                int axis = layout.neuronAxis(shape);
                if (axis < 0) {
                    full.assign(units.reshape(shape));
                } else {
                    long[] along = new long[shape.length];
                    Arrays.fill(along, 1);
                    along[axis] = shape[axis];
                    full.assign(units.reshape(along).broadcast(shape));
                }
            }
            case ELEMENT -> full.assign(units.reshape(shape));
        }
        return full;
    }

    /** Parses {@code tensor|neuron|element}, case-insensitive. */
    public static Granularity parse(String s) {
        for (Granularity g : values()) {
            if (g.name().equalsIgnoreCase(s)) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown granularity '" + s + "'; use tensor, neuron or element");
    }
}
