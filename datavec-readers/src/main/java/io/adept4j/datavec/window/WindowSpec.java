package io.adept4j.datavec.window;

/**
 * How token streams are cut into training windows.
 *
 * @param length        tokens the model sees per window (T); each window stores T+1 tokens so labels are the inputs
 *                      shifted by one
 * @param stride        step between window starts, 1..length (length = no overlap)
 * @param packDocuments true: documents are concatenated, separated by the end-of-text token, and windows cross
 *                      document boundaries (pretraining style, no padding but at the very end); false: every document
 *                      starts a new window and its last window is padded (probe style)
 */
public record WindowSpec(int length, int stride, boolean packDocuments) {

    public WindowSpec {
        if (length < 1) {
            throw new IllegalArgumentException("window length must be at least 1, got " + length);
        }
        if (stride < 1 || stride > length) {
            throw new IllegalArgumentException("window stride must be in [1, length=" + length + "], got " + stride);
        }
    }

    /** Packed, non-overlapping windows of the given length. */
    public static WindowSpec packed(int length) {
        return new WindowSpec(length, length, true);
    }

    /** One window sequence per document, padded, non-overlapping. */
    public static WindowSpec perDocument(int length) {
        return new WindowSpec(length, length, false);
    }
}
