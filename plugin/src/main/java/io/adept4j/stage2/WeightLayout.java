package io.adept4j.stage2;

/**
 * How a backend lays out a parameter, i.e. which axis indexes its output neurons: the only thing in which the two
 * model kinds' importance → multiplier pipelines differ ({@link LearningRateMultipliers}).
 */
public enum WeightLayout {
    /** SameDiff (and PyTorch): a matrix is {@code [out, in]}, so a neuron is a row. */
    OUT_IN,
    /**
     * DL4J: a dense weight is {@code [nIn, nOut]}, so a neuron is a column, and a bias is a {@code [1, nOut]} row of
     * neurons; a convolution kernel is {@code [nOut, nIn, kH, kW]}, so a neuron is an output channel.
     */
    IN_OUT;

    /**
     * The axis of {@code shape} that indexes output neurons, or -1 for a vector (every element is a neuron, e.g. a
     * bias or a norm weight).
     */
    public int neuronAxis(long[] shape) {
        if (shape.length < 2 || (this == IN_OUT && shape.length == 2 && shape[0] == 1)) {
            return -1;
        }
        return this == IN_OUT && shape.length == 2 ? 1 : 0;
    }
}
