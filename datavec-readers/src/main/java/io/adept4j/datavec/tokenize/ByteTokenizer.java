package io.adept4j.datavec.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One id per byte (0..255) plus {@code <|endoftext|>} as id 256. Tiny and exact: meant for unit tests and for models
 * too small to afford a BPE vocabulary.
 */
public final class ByteTokenizer implements Tokenizer {

    /** Registry name. */
    public static final String KIND = "byte";
    private static final int EOT = 256;
    private static final byte[] EOT_BYTES = TokenizerSpec.END_OF_TEXT.getBytes(StandardCharsets.UTF_8);

    private final TokenizerSpec spec = new TokenizerSpec(KIND, 257, Map.of(TokenizerSpec.END_OF_TEXT, EOT));

    @Override
    public TokenizerSpec spec() {
        return spec;
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(ids.length);
        for (int id : ids) {
            if (id == EOT) {
                out.writeBytes(EOT_BYTES);
            } else if (id >= 0 && id < 256) {
                out.write(id);
            } else {
                throw new IllegalArgumentException("id " + id + " is outside the byte tokenizer's vocabulary [0,257)");
            }
        }
        return out.toByteArray();
    }
}
