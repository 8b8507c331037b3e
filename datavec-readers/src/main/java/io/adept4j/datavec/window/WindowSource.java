package io.adept4j.datavec.window;

/**
 * Random access to next-token training windows: window {@code i} has {@code length()+1} tokens and a label mask of
 * {@code length()} entries (1 = this position's next token is predicted and counted in the loss).
 */
public interface WindowSource {

    /** T, the number of input positions per window. */
    int length();

    /** Number of windows. */
    int size();

    /** Copies window {@code i}'s T+1 tokens into {@code tokens} at {@code tokenOffset}. */
    void tokens(int i, int[] tokens, int tokenOffset);

    /** Copies window {@code i}'s T label-mask entries into {@code mask} at {@code maskOffset}. */
    void labelMask(int i, byte[] mask, int maskOffset);

    /** Copies window {@code i}'s T input-mask entries (1 = a real token, 0 = padding). */
    void inputMask(int i, byte[] mask, int maskOffset);
}
