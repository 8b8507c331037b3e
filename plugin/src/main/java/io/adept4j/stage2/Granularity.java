package io.adept4j.stage2;

/** What a "unit" of unit importance is. */
public enum Granularity {
    /** One unit per weight tensor (the ADEPT reference code). */
    TENSOR,
    /** One unit per output neuron: a row of an {@code [out, in]} matrix, an element of a vector (the method's figure). */
    NEURON,
    /** Every element is its own unit. */
    ELEMENT;

    /**
     * Spreads per-unit values over a parameter of {@code shape}: a scalar everywhere (TENSOR), a value per row of a
     * matrix or per element of a vector (NEURON), or element by element (ELEMENT).
     */
    public org.nd4j.linalg.api.ndarray.INDArray expand(org.nd4j.linalg.api.ndarray.INDArray units, long[] shape) {
        org.nd4j.linalg.api.ndarray.INDArray full = org.nd4j.linalg.factory.Nd4j.create(units.dataType(), shape);
        switch (this) {
            case TENSOR -> full.assign(units.getDouble(0));
            case NEURON -> {
                if (shape.length == 2) {
                    full.assign(units.reshape(shape[0], 1).broadcast(shape));
                } else {
                    full.assign(units.reshape(shape));
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
