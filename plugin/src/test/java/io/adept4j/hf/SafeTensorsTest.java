package io.adept4j.hf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {

    @TempDir
    Path tmp;

    /** An independent minimal writer: a header string and raw bytes, exactly as the format describes. */
    private Path raw(String name, String headerJson, byte[] data) throws IOException {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        out.write(data);
        Path f = tmp.resolve(name);
        Files.write(f, out.toByteArray());
        return f;
    }

    private static byte[] le16(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    @Test
    void writeThenReadIsBitIdenticalAndKeepsMetadata() throws Exception {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("model.layers.0.self_attn.q_proj.weight", Nd4j.rand(DataType.FLOAT, 6, 4).subi(0.5));
        t.put("model.norm.weight", Nd4j.createFromArray(1f, -0f, Float.MIN_VALUE));
        Path f = tmp.resolve("m.safetensors");
        SafeTensors.write(f, t, Map.of("adept4j.manifest", "{\"k\":1}"));
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(t.keySet(), new java.util.HashSet<>(c.tensors().keySet()));
        for (Map.Entry<String, INDArray> e : t.entrySet()) {
            assertArrayEquals(e.getValue().shape(), c.tensors().get(e.getKey()).shape());
            assertArrayEquals(e.getValue().data().asFloat(), c.tensors().get(e.getKey()).data().asFloat(), 0f, e.getKey());
        }
        assertEquals("{\"k\":1}", c.metadata().get("adept4j.manifest"));
        assertEquals(0, (Files.size(f) - 8 - t.values().stream().mapToLong(a -> a.length() * 4).sum()) % 8,
                "header padded to 8 bytes");
    }

    @Test
    void halfAndBfloat16AreDecodedToFloat32() throws Exception {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, smallest subnormal 0x0001 = 2^-24
        // BF16: 1.0 = 0x3F80, -3.0 = 0xC040
        byte[] data = new byte[12];
        System.arraycopy(le16(0x3C00, 0xC000, 0x3800, 0x0001), 0, data, 0, 8);
        System.arraycopy(le16(0x3F80, 0xC040), 0, data, 8, 4);
        Path f = raw("h.safetensors", "{\"a\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]}}", data);
        SafeTensors.Contents c = SafeTensors.read(f);
        assertArrayEquals(new float[]{1f, -2f, 0.5f, (float) Math.pow(2, -24)}, c.tensors().get("a").data().asFloat(), 0f);
        assertArrayEquals(new long[]{2, 2}, c.tensors().get("a").shape());
        assertArrayEquals(new float[]{1f, -3f}, c.tensors().get("b").data().asFloat(), 0f);
    }

    @Test
    void everyCorruptInputIsNamed() throws Exception {
        byte[] eight = new byte[8];
        String[][] cases = {
                // header length larger than the file
                {"len", null, "bad header length"},
                {"offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", "outside the data section"},
                {"overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "overlap"},
                {"dtype", "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", "has dtype 'I64'"},
                {"size", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "needs 12"},
                {"json", "{\"a\":", "not valid JSON"},
        };
        for (String[] c : cases) {
            Path f;
            if (c[1] == null) {
                f = tmp.resolve("len.safetensors");
                Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
            } else {
                f = raw(c[0] + ".safetensors", c[1], eight);
            }
            IOException e = assertThrows(IOException.class, () -> SafeTensors.read(f), c[0]);
            assertTrue(e.getMessage().contains(c[2]) && e.getMessage().contains(f.toString()), c[0] + ": " + e.getMessage());
        }
        // a shard index naming a tensor its shard does not hold
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        SafeTensors.write(dir.resolve("s1.safetensors"), Map.of("x", Nd4j.ones(DataType.FLOAT, 2)), null);
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s1.safetensors\"}}");
        IOException e = assertThrows(IOException.class, () -> SafeTensors.readCheckpoint(dir));
        assertTrue(e.getMessage().contains("tensor y"), e.getMessage());
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"x\":\"s1.safetensors\"}}");
        assertEquals(2, SafeTensors.readCheckpoint(dir).tensors().get("x").length(), "a valid shard index reads");
    }

    @Test
    void bfloat16IsWrittenRoundedToNearestEven() throws Exception {
        float one = 1f;
        float halfUlp = (float) Math.pow(2, -8);      // bf16 keeps 7 mantissa bits: 1 + 2^-8 lies halfway
        float[] in = {one, one + halfUlp, one + 3 * halfUlp, -2.5f, Float.NaN, 1e-40f};
        float[] expected = {one, one, one + 4 * halfUlp, -2.5f, Float.NaN, Float.intBitsToFloat(0x00010000)};
        Path f = tmp.resolve("b.safetensors");
        SafeTensors.write(f, Map.of("x", new long[]{in.length}), null, n -> Nd4j.createFromArray(in), "BF16");
        try (SafeTensors.Reader r = SafeTensors.open(f)) {
            assertEquals("BF16", r.entries().get("x").dtype());
            assertEquals(in.length * 2L, r.entries().get("x").end() - r.entries().get("x").begin());
            float[] got = r.read("x").data().asFloat();
            for (int i = 0; i < in.length; i++) {
                assertEquals(Float.isNaN(expected[i]) ? "NaN" : Integer.toHexString(Float.floatToIntBits(expected[i])),
                        Float.isNaN(got[i]) ? "NaN" : Integer.toHexString(Float.floatToIntBits(got[i])), "value " + in[i]);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f, Map.of(), null, n -> null, "F16"));
    }
}
