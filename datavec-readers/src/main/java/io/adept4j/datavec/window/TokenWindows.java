package io.adept4j.datavec.window;

import io.adept4j.datavec.corpus.CorpusException;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * A corpus tokenised and cut into windows, held compactly in memory (one int per token, one byte per mask entry).
 * Build with {@link #build}.
 */
public final class TokenWindows implements WindowSource {

    private final int length;
    private final int count;
    private final int[] tokens;     // count x (length+1)
    private final byte[] labelMask; // count x length
    private final byte[] inputMask; // count x length
    private final long corpusTokens;
    private final long predictedTokens;

    private TokenWindows(int length, int count, int[] tokens, byte[] labelMask, byte[] inputMask, long corpusTokens) {
        this.length = length;
        this.count = count;
        this.tokens = tokens;
        this.labelMask = labelMask;
        this.inputMask = inputMask;
        this.corpusTokens = corpusTokens;
        long p = 0;
        for (byte b : labelMask) {
            p += b;
        }
        this.predictedTokens = p;
    }

    /**
     * Tokenises documents and cuts windows.
     *
     * @param name for error messages
     * @throws CorpusException if the corpus yields fewer tokens than one window needs, or no token to predict
     */
    public static TokenWindows build(String name, List<Document> documents, Tokenizer tokenizer, WindowSpec spec) {
        Stream stream = new Stream();
        int eot = tokenizer.endOfTextId();
        Builder b = new Builder(spec, eot);
        for (Document d : documents) {
            if (!d.prompt().isEmpty()) {
                stream.add(tokenizer.encode(d.prompt()), (byte) 0);
            }
            stream.add(tokenizer.encode(d.text()), (byte) 1);
            if (d.endOfText()) {
                stream.add(new int[]{eot}, (byte) 1);
            }
            if (!spec.packDocuments()) {
                b.cut(stream);
                stream.clear();
            }
        }
        if (spec.packDocuments()) {
            if (stream.size < spec.length() + 1) {
                throw new CorpusException("corpus " + name + " has only " + stream.size + " tokens; one window of length "
                        + spec.length() + " needs " + (spec.length() + 1) + " (add text or lower the sequence length)");
            }
            b.cut(stream);
        }
        TokenWindows w = b.finish();
        if (w.count == 0 || w.predictedTokens == 0) {
            throw new CorpusException("corpus " + name + " has no token to predict (" + w.corpusTokens + " tokens, "
                    + "all masked as prompt or padding)");
        }
        return w;
    }

    /** Growable token stream with a per-token "is predicted" flag. */
    private static final class Stream {
        int[] ids = new int[1 << 16];
        byte[] flags = new byte[1 << 16];
        int size;

        void add(int[] add, byte flag) {
            if (size + add.length > ids.length) {
                int cap = Math.max(ids.length * 2, size + add.length);
                ids = Arrays.copyOf(ids, cap);
                flags = Arrays.copyOf(flags, cap);
            }
            System.arraycopy(add, 0, ids, size, add.length);
            Arrays.fill(flags, size, size + add.length, flag);
            size += add.length;
        }

        void clear() {
            size = 0;
        }
    }

    private static final class Builder {
        final WindowSpec spec;
        final int pad;
        int[] tokens = new int[1 << 16];
        byte[] labelMask = new byte[1 << 16];
        byte[] inputMask = new byte[1 << 16];
        int count;
        long corpusTokens;

        Builder(WindowSpec spec, int pad) {
            this.spec = spec;
            this.pad = pad;
        }

        /** Cuts windows out of one stream: full windows by stride, then one padded window for uncovered labels. */
        void cut(Stream s) {
            int n = s.size;
            corpusTokens += n;
            if (n < 2) {
                return;
            }
            int t = spec.length();
            int covered = 0; // label positions 1..covered are already in a window
            int start = 0;
            while (start + t + 1 <= n) {
                emit(s, start);
                covered = start + t;
                start += spec.stride();
            }
            if (covered < n - 1) {
                emit(s, covered);
            }
        }

        void emit(Stream s, int start) {
            int t = spec.length();
            ensure(count + 1);
            int to = count * (t + 1);
            int mo = count * t;
            int avail = Math.min(t + 1, s.size - start);
            System.arraycopy(s.ids, start, tokens, to, avail);
            Arrays.fill(tokens, to + avail, to + t + 1, pad);
            for (int i = 0; i < t; i++) {
                boolean hasInput = start + i < s.size;
                boolean hasLabel = start + i + 1 < s.size;
                inputMask[mo + i] = (byte) (hasInput ? 1 : 0);
                labelMask[mo + i] = hasLabel ? s.flags[start + i + 1] : 0;
            }
            count++;
        }

        void ensure(int windows) {
            int t = spec.length();
            if ((long) windows * (t + 1) > tokens.length) {
                long cap = Math.max((long) tokens.length * 2, (long) windows * (t + 1));
                if (cap > Integer.MAX_VALUE - 8) {
                    throw new CorpusException("corpus too large to hold in memory as windows (" + windows + " windows)");
                }
                tokens = Arrays.copyOf(tokens, (int) cap);
            }
            if ((long) windows * t > labelMask.length) {
                int cap = (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) labelMask.length * 2, (long) windows * t));
                labelMask = Arrays.copyOf(labelMask, cap);
                inputMask = Arrays.copyOf(inputMask, cap);
            }
        }

        TokenWindows finish() {
            int t = spec.length();
            return new TokenWindows(t, count, Arrays.copyOf(tokens, count * (t + 1)),
                    Arrays.copyOf(labelMask, count * t), Arrays.copyOf(inputMask, count * t), corpusTokens);
        }
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int size() {
        return count;
    }

    /** Tokens in the corpus (document separators included), before windowing. */
    public long corpusTokens() {
        return corpusTokens;
    }

    /** Label positions that count in the loss, over all windows. */
    public long predictedTokens() {
        return predictedTokens;
    }

    @Override
    public void tokens(int i, int[] out, int offset) {
        System.arraycopy(tokens, checked(i) * (length + 1), out, offset, length + 1);
    }

    @Override
    public void labelMask(int i, byte[] out, int offset) {
        System.arraycopy(labelMask, checked(i) * length, out, offset, length);
    }

    @Override
    public void inputMask(int i, byte[] out, int offset) {
        System.arraycopy(inputMask, checked(i) * length, out, offset, length);
    }

    /** A window's T+1 tokens as a new array. */
    public int[] tokens(int i) {
        int[] out = new int[length + 1];
        tokens(i, out, 0);
        return out;
    }

    /** A window's label mask as a new array. */
    public byte[] labelMask(int i) {
        byte[] out = new byte[length];
        labelMask(i, out, 0);
        return out;
    }

    private int checked(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("window " + i + " of " + count);
        }
        return i;
    }
}
