package io.adept4j.datavec.window;

import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusOptions;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;
import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataIndex;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.Writable;
import org.datavec.api.records.reader.BaseRecordReader;

import java.io.DataInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A DataVec {@code RecordReader} that reads corpus files (text, JSONL, gzip; see {@link CorpusReader}) from an
 * {@link InputSplit} and returns one record per token window. A record holds {@code 3T+1} {@link IntWritable}s: the
 * window's {@code T+1} tokens, then {@code T} label-mask flags, then {@code T} input-mask flags.
 *
 * <p>Use {@link #windows()} after {@link #initialize(InputSplit)} to feed a {@link NextTokenDataSetIterator} without
 * going through writables.
 */
public class TokenWindowRecordReader extends BaseRecordReader {

    private static final long serialVersionUID = 1L;

    private final transient Tokenizer tokenizer;
    private final WindowSpec spec;
    private final CorpusOptions options;
    private transient TokenWindows windows;
    private transient Corpus corpus;
    private URI firstLocation;
    private int cursor;
    private Configuration conf;

    public TokenWindowRecordReader(Tokenizer tokenizer, WindowSpec spec) {
        this(tokenizer, spec, CorpusOptions.defaults());
    }

    public TokenWindowRecordReader(Tokenizer tokenizer, WindowSpec spec, CorpusOptions options) {
        this.tokenizer = tokenizer;
        this.spec = spec;
        this.options = options;
    }

    @Override
    public void initialize(InputSplit split) {
        URI[] locations = split.locations();
        if (locations == null || locations.length == 0) {
            throw new IllegalArgumentException("input split has no locations");
        }
        List<Path> paths = new ArrayList<>();
        for (URI u : locations) {
            paths.add(Path.of(u));
        }
        this.inputSplit = split;
        this.firstLocation = locations[0];
        String name = paths.size() == 1 ? String.valueOf(paths.get(0).getFileName()) : paths.size() + " files";
        this.corpus = new CorpusReader(options).openAll(name, paths);
        initialize(corpus.name(), corpus.documents());
    }

    /** Initialises from documents already in memory (e.g. one side of a {@link TrainValidationSplit}). */
    public void initialize(String name, List<Document> documents) {
        this.windows = TokenWindows.build(name, documents, tokenizer, spec);
        this.cursor = 0;
    }

    @Override
    public void initialize(Configuration conf, InputSplit split) {
        this.conf = conf;
        initialize(split);
    }

    /** The windows read by the last {@code initialize}. */
    public TokenWindows windows() {
        if (windows == null) {
            throw new IllegalStateException("call initialize(...) first");
        }
        return windows;
    }

    /** The corpus read by the last {@code initialize(InputSplit)}, or null if initialised from documents. */
    public Corpus corpus() {
        return corpus;
    }

    @Override
    public List<Writable> next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more windows");
        }
        return record(cursor++);
    }

    private List<Writable> record(int i) {
        TokenWindows w = windows();
        int t = w.length();
        int[] tokens = w.tokens(i);
        byte[] lm = w.labelMask(i);
        byte[] im = new byte[t];
        w.inputMask(i, im, 0);
        List<Writable> out = new ArrayList<>(3 * t + 1);
        for (int tok : tokens) {
            out.add(new IntWritable(tok));
        }
        for (byte b : lm) {
            out.add(new IntWritable(b));
        }
        for (byte b : im) {
            out.add(new IntWritable(b));
        }
        invokeListeners(out);
        return out;
    }

    @Override
    public boolean hasNext() {
        return windows != null && cursor < windows.size();
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    @Override
    public void reset() {
        cursor = 0;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public List<Writable> record(URI uri, DataInputStream dataInputStream) {
        throw new UnsupportedOperationException("token windows span documents; initialise from an InputSplit instead");
    }

    @Override
    public Record nextRecord() {
        int i = cursor;
        List<Writable> r = next();
        return new org.datavec.api.records.impl.Record(r, new RecordMetaDataIndex(i, firstLocation, getClass()));
    }

    @Override
    public Record loadFromMetaData(RecordMetaData recordMetaData) {
        int i = (int) ((RecordMetaDataIndex) recordMetaData).getIndex();
        return new org.datavec.api.records.impl.Record(record(i), recordMetaData);
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> list) {
        List<Record> out = new ArrayList<>(list.size());
        for (RecordMetaData m : list) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    @Override
    public void close() {
        windows = null;
    }

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }
}
