package io.adept4j.ops;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EmbeddingsTest {

    @Test
    void lookupTakesRowsInOrder() {
        INDArray table = Nd4j.arange(12).castTo(DataType.FLOAT).reshape(4, 3);
        INDArray rows = Embeddings.lookup(table, Nd4j.createFromArray(new int[][]{{2, 0}, {2, 3}}));
        assertEquals(Nd4j.createFromArray(new float[][]{{6, 7, 8}, {0, 1, 2}, {6, 7, 8}, {9, 10, 11}}), rows);
        assertThrows(IllegalArgumentException.class, () -> Embeddings.lookup(table, Nd4j.createFromArray(4)));
    }

    @Test
    void gradientAccumulatesRepeatedIds() {
        INDArray dRows = Nd4j.createFromArray(new double[][]{{1, 2}, {10, 20}, {100, 200}, {1000, 2000}});
        INDArray ids = Nd4j.createFromArray(new int[]{3, 0, 3, 3});
        INDArray g = Embeddings.gradient(dRows, ids, 5);
        assertEquals(Nd4j.createFromArray(new double[][]{{10, 20}, {0, 0}, {0, 0}, {1101, 2202}, {0, 0}}), g);
    }
}
