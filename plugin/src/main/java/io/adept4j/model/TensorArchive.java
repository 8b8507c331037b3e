package io.adept4j.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Named tensors in one zip file, one entry per tensor in ND4J's binary format (shape, order, data type and data),
 * closed by an index entry listing every name, so a truncated file is detected rather than read as a smaller model.
 * Entries are stored, not compressed: weights do not compress and storing keeps saving fast.
 */
public final class TensorArchive {

    private static final String INDEX = "__index__";

    private TensorArchive() {
    }

    /** Writes the tensors in map order. */
    public static void write(Path file, Map<String, INDArray> tensors) throws IOException {
        try (OutputStream fo = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
             ZipOutputStream zip = new ZipOutputStream(fo)) {
            zip.setLevel(0);
            for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                // Nd4j.write closes the stream it is given: serialise to memory first.
                java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
                Nd4j.write(buf, e.getValue());
                zip.putNextEntry(new ZipEntry(e.getKey()));
                buf.writeTo(zip);
                zip.closeEntry();
            }
            zip.putNextEntry(new ZipEntry(INDEX));
            zip.write(String.join("\n", tensors.keySet()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }

    /**
     * Reads every tensor.
     *
     * @throws IOException naming the file and entry when the archive is missing, truncated or corrupt
     */
    public static Map<String, INDArray> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("tensor archive not found: " + file);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (InputStream fi = new BufferedInputStream(Files.newInputStream(file), 1 << 20);
             ZipInputStream zip = new ZipInputStream(fi)) {
            ZipEntry entry;
            java.util.List<String> index = null;
            while ((entry = zip.getNextEntry()) != null) {
                if (entry.getName().equals(INDEX)) {
                    String names = new String(zip.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    index = names.isEmpty() ? java.util.List.of() : java.util.List.of(names.split("\n"));
                    continue;
                }
                try {
                    byte[] bytes = zip.readAllBytes();
                    out.put(entry.getName(), Nd4j.read(new java.io.ByteArrayInputStream(bytes)));
                } catch (RuntimeException e) {
                    throw new IOException("corrupt tensor '" + entry.getName() + "' in " + file + ": " + e.getMessage(), e);
                }
            }
            if (index == null) {
                throw new IOException("truncated or corrupt tensor archive " + file + " (no index: the write did not finish)");
            }
            if (!new java.util.HashSet<>(index).equals(out.keySet())) {
                throw new IOException("corrupt tensor archive " + file + ": index lists " + index.size()
                        + " tensors, found " + out.size());
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException("corrupt tensor archive " + file + ": " + e.getMessage(), e);
        } catch (java.io.EOFException e) {
            throw new IOException("truncated tensor archive " + file, e);
        }
        return out;
    }
}
