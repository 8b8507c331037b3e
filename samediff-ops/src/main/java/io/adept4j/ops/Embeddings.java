package io.adept4j.ops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.segment.UnsortedSegmentSum;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Embedding lookup done outside the SameDiff graph, with its exact gradient.
 *
 * <p>Why outside: in SameDiff 1.0.0-M2.1, {@code gather}'s gradient assigns instead of accumulating (wrong whenever an
 * id repeats, as it always does in text) and is ~100× slow; {@code oneHot(ids)·table} is exact but costs an
 * {@code [N,V]×[V,d]} product forward and another backward, mostly multiplying zeros; and a Java op subclass with its
 * own gradient does not survive the graph copy SameDiff makes for its gradient function. So a model feeds the looked-up
 * rows as a placeholder, asks SameDiff for the gradient of that placeholder, and turns it into the table's gradient
 * here: the rows of the incoming gradient summed per id.
 */
public final class Embeddings {

    private Embeddings() {
    }

    /** Rows {@code table[ids]}: {@code [N, d]} for {@code N} ids. */
    public static INDArray lookup(INDArray table, INDArray ids) {
        int[] idx = ids.castTo(DataType.INT).reshape(-1).toIntVector();
        long rows = table.rows();
        for (int id : idx) {
            if (id < 0 || id >= rows) {
                throw new IllegalArgumentException("token id " + id + " is outside the embedding table [0," + rows + ")");
            }
        }
        return Nd4j.pullRows(table, 1, idx);
    }

    /**
     * Gradient of the table given the gradient of the looked-up rows: {@code dTable[v] = Σ_{n: ids[n]=v} dRows[n]}.
     *
     * @param dRows {@code [N, d]}
     * @param ids   {@code N} ids
     * @param rows  rows of the table
     */
    public static INDArray gradient(INDArray dRows, INDArray ids, int rows) {
        INDArray flatIds = ids.castTo(DataType.INT).reshape(-1);
        return Nd4j.exec(new UnsortedSegmentSum(dRows, flatIds, rows))[0];
    }
}
