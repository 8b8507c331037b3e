package io.adept4j.datavec.corpus;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes UTF-8, replacing each malformed or unmappable byte run with U+FFFD and counting the bytes it replaced, so a
 * corpus with stray Latin-1 bytes is still usable and the damage is reported instead of hidden.
 */
final class Utf8Decoder {

    /** Decoded text and the number of input bytes that were not valid UTF-8. */
    record Result(String text, long replacedBytes) {
    }

    private Utf8Decoder() {
    }

    static Result decode(byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 16);
        long replaced = 0;
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            if (r.isUnderflow()) {
                break;
            }
            if (r.isError()) {
                replaced += r.length();
                in.position(in.position() + r.length());
                out.put('\uFFFD');
            } else if (r.isOverflow()) {
                CharBuffer bigger = CharBuffer.allocate(out.capacity() * 2);
                out.flip();
                bigger.put(out);
                out = bigger;
            }
        }
        dec.flush(out);
        out.flip();
        return new Result(out.toString(), replaced);
    }
}
