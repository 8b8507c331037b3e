package io.adept4j.hf;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes tiny Hugging Face checkpoints for tests without any adept4j code: tensor names spelled out as transformers
 * names them, values rounded to the stored dtype (the exact values are returned for reference computations), a
 * hand-assembled safetensors file, and a byte-level BPE {@code tokenizer.json}.
 */
final class TinyCheckpoint {

    final Map<String, INDArray> exact = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, String> dtypes = new LinkedHashMap<>();
    private final Map<String, byte[]> data = new LinkedHashMap<>();
    private final Random rnd;

    TinyCheckpoint(long seed) {
        rnd = new Random(seed);
    }

    /** Adds a random tensor stored as {@code dtype} (F32, F16 or BF16); norms are drawn around 1. */
    void add(String name, String dtype, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        boolean norm = name.endsWith("norm.weight");
        float[] exactValues = new float[n];
        ByteBuffer b = ByteBuffer.allocate(n * (dtype.equals("F32") ? 4 : 2)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float v = (float) (norm ? 1 + 0.2 * rnd.nextGaussian() : 0.3 * rnd.nextGaussian());
            switch (dtype) {
                case "F32" -> {
                    b.putFloat(v);
                    exactValues[i] = v;
                }
                case "BF16" -> {
                    int bits = Float.floatToIntBits(v) & 0xFFFF0000; // truncation is a valid bf16 value
                    b.putShort((short) (bits >>> 16));
                    exactValues[i] = Float.intBitsToFloat(bits);
                }
                case "F16" -> {
                    // normal halves only: |v| in [2^-14, 2); 10 mantissa bits kept by truncation
                    float a = Math.max(Math.abs(v), 0.0001f);
                    int e = Math.getExponent(a);
                    int mant = (int) ((a / Math.scalb(1f, e) - 1) * 1024);
                    short h = (short) ((v < 0 ? 0x8000 : 0) | ((e + 15) << 10) | mant);
                    b.putShort(h);
                    float back = Math.scalb(1f + mant / 1024f, e);
                    exactValues[i] = v < 0 ? -back : back;
                }
                default -> throw new IllegalArgumentException(dtype);
            }
        }
        shapes.put(name, shape);
        dtypes.put(name, dtype);
        data.put(name, b.array());
        exact.put(name, Nd4j.createFromArray(exactValues).reshape(shape));
    }

    /** Removes a tensor (to make a broken checkpoint). */
    void remove(String name) {
        shapes.remove(name);
        dtypes.remove(name);
        data.remove(name);
        exact.remove(name);
    }

    /** The safetensors file, assembled by hand: length, header JSON, data in insertion order. */
    void writeSafetensors(Path file) throws IOException {
        writeSafetensors(file, shapes.keySet());
    }

    /**
     * Shards, as large checkpoints come: tensors dealt round-robin into {@code n} files
     * {@code model-0000i-of-0000n.safetensors} and a {@code model.safetensors.index.json} weight map.
     */
    void writeShards(Path dir, int n) throws IOException {
        List<List<String>> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            parts.add(new ArrayList<>());
        }
        int k = 0;
        for (String name : shapes.keySet()) {
            parts.get(k++ % n).add(name);
        }
        StringBuilder map = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String shard = String.format("model-%05d-of-%05d.safetensors", i + 1, n);
            writeSafetensors(dir.resolve(shard), parts.get(i));
            for (String name : parts.get(i)) {
                map.append(map.length() == 0 ? "" : ",").append('"').append(name).append("\":\"").append(shard).append('"');
            }
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{\"total_size\":0},\"weight_map\":{" + map + "}}");
    }

    private void writeSafetensors(Path file, Iterable<String> names) throws IOException {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String name : names) {
            byte[] d = data.get(name);
            StringBuilder shape = new StringBuilder();
            for (long s : shapes.get(name)) {
                shape.append(shape.length() == 0 ? "" : ",").append(s);
            }
            h.append(",\"").append(name).append("\":{\"dtype\":\"").append(dtypes.get(name)).append("\",\"shape\":[")
                    .append(shape).append("],\"data_offsets\":[").append(off).append(',').append(off + d.length).append("]}");
            off += d.length;
            body.write(d);
        }
        h.append('}');
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hb.length).array());
        out.write(hb);
        body.writeTo(out);
        Files.write(file, out.toByteArray());
    }

    /** GPT-2's byte → printable character map used by byte-level BPE. */
    static char[] byteChars() {
        List<Integer> bs = new ArrayList<>();
        for (int c = '!'; c <= '~'; c++) {
            bs.add(c);
        }
        for (int c = 0xA1; c <= 0xAC; c++) {
            bs.add(c);
        }
        for (int c = 0xAE; c <= 0xFF; c++) {
            bs.add(c);
        }
        char[] map = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = bs.contains(b) ? (char) b : (char) (256 + extra++);
        }
        return map;
    }

    /**
     * A byte-level BPE tokenizer.json: ids 0–255 for bytes, then merges {@code t h → th}, {@code th e → the},
     * {@code Ġ the → Ġthe} (ids 256–258), then {@code <|endoftext|>} (259).
     */
    static String tokenizerJson() {
        char[] map = byteChars();
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            String tok = String.valueOf(map[b]);
            String escaped = tok.equals("\"") ? "\\\"" : tok.equals("\\") ? "\\\\" : tok;
            vocab.append(b == 0 ? "" : ",").append('"').append(escaped).append("\":").append(b);
        }
        String space = String.valueOf(map[' ']);
        vocab.append(",\"th\":256,\"the\":257,\"").append(space).append("the\":258");
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
                + "\"added_tokens\":[{\"id\":259,\"content\":\"<|endoftext|>\",\"single_word\":false,\"lstrip\":false,"
                + "\"rstrip\":false,\"normalized\":false,\"special\":true}],"
                + "\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
                + "\"post_processor\":null,"
                + "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true},"
                + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
                + "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,"
                + "\"vocab\":{" + vocab + "},\"merges\":[\"t h\",\"th e\",\"" + space + " the\"]}}";
    }
}
