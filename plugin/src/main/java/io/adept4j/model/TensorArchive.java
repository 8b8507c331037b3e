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
        try (Writer w = new Writer(file)) {
            for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                w.put(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * Writes tensors one at a time (an importer streams a large checkpoint through it without holding it all). The
     * index entry is written on {@link #close()}; an archive whose writer did not close is detected as truncated.
     */
    public static final class Writer implements java.io.Closeable {
        private final ZipOutputStream zip;
        private final java.util.List<String> names = new java.util.ArrayList<>();
        private boolean broken;

        /** Creates (or replaces) the file. */
        public Writer(Path file) throws IOException {
            zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20));
            zip.setLevel(0);
        }

        /** Appends one tensor. */
        public void put(String name, INDArray value) throws IOException {
            broken = true; // until the entry is complete
            zip.putNextEntry(new ZipEntry(name));
            Nd4j.write(new BufferedOutputStream(new NonClosing(zip), 1 << 16), value); // streams from the off-heap buffer: no heap copy of the tensor
            zip.closeEntry();
            names.add(name);
            broken = false;
        }

        /** Writes the index, unless a tensor failed half-way: such an archive must read as truncated, not as smaller. */
        @Override
        public void close() throws IOException {
            if (broken) {
                zip.close();
                return;
            }
            zip.putNextEntry(new ZipEntry(INDEX));
            zip.write(String.join("\n", names).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
            zip.close();
        }
    }

    /** Nd4j.write/read close the stream they are given; a zip entry must stay open. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /**
     * Reads every tensor.
     *
     * @throws IOException naming the file and entry when the archive is missing, truncated or corrupt
     */
    public static Map<String, INDArray> read(Path file) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (Reader r = new Reader(file)) {
            for (Reader.Entry e = r.next(); e != null; e = r.next()) {
                out.put(e.name(), e.array());
            }
        }
        return out;
    }

    /**
     * Reads tensors one at a time in the order they were written (an exporter streams a large model through it);
     * {@link #next()} returns null after the last tensor, once the index has confirmed that none is missing.
     */
    public static final class Reader implements java.io.Closeable {

        /** One tensor. */
        public record Entry(String name, INDArray array) {
        }

        private final Path file;
        private final ZipInputStream zip;
        private final java.util.Set<String> seen = new java.util.HashSet<>();
        private boolean done;

        /** Opens the archive. */
        public Reader(Path file) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new IOException("tensor archive not found: " + file);
            }
            this.file = file;
            this.zip = new ZipInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20));
        }

        /** The next tensor, or null after the last. */
        public Entry next() throws IOException {
            if (done) {
                return null;
            }
            try {
                ZipEntry entry = zip.getNextEntry();
                if (entry == null) {
                    throw new IOException("truncated or corrupt tensor archive " + file + " (no index: the write did not finish)");
                }
                if (entry.getName().equals(INDEX)) {
                    String names = new String(zip.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    java.util.Set<String> index = names.isEmpty() ? java.util.Set.of() : java.util.Set.of(names.split("\n"));
                    if (!index.equals(seen)) {
                        throw new IOException("corrupt tensor archive " + file + ": index lists " + index.size()
                                + " tensors, found " + seen.size());
                    }
                    done = true;
                    return null;
                }
                InputStream entryIn = new java.io.FilterInputStream(zip) {
                    @Override
                    public void close() {
                        // the zip stream stays open for the next entry
                    }
                };
                try {
                    INDArray a = Nd4j.read(new BufferedInputStream(entryIn, 1 << 16));
                    seen.add(entry.getName());
                    return new Entry(entry.getName(), a);
                } catch (RuntimeException e) {
                    throw new IOException("corrupt tensor '" + entry.getName() + "' in " + file + ": " + e.getMessage(), e);
                }
            } catch (java.util.zip.ZipException e) {
                throw new IOException("corrupt tensor archive " + file + ": " + e.getMessage(), e);
            } catch (java.io.EOFException e) {
                throw new IOException("truncated tensor archive " + file, e);
            }
        }

        @Override
        public void close() throws IOException {
            zip.close();
        }
    }
}
