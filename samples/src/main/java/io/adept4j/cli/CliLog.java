package io.adept4j.cli;

import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MarkerIgnoringBase;
import org.slf4j.helpers.MessageFormatter;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The command line's SLF4J logging. The library logs its progress through SLF4J (so an application embedding it
 * routes those lines to its own logback or log4j); here they are printed as they are, one per line, to the command's
 * output, exactly as a user of {@code adept} reads them. Other libraries (ND4J, DL4J) are shown from WARN up, on the
 * error stream, as {@code WARN logger - message}; two ND4J classes known to warn harmlessly at start-up only from ERROR.
 *
 * <p>{@code -Dadept4j.log=debug} (or {@code warn}) sets the level of adept4j's own loggers; the default is
 * {@code info}.
 */
public final class CliLog implements ILoggerFactory {

    /** Severity, lowest first, as SLF4J's levels. */
    enum Level { TRACE, DEBUG, INFO, WARN, ERROR }

    /** System property with the level of adept4j's own lines (trace, debug, info, warn, error; default info). */
    public static final String LEVEL_PROPERTY = "adept4j.log";

    private static final String OWN = "io.adept4j";
    // A bad value falls back here rather than failing SLF4J's binding; AdeptCli refuses it before any command runs.
    private static final Level OWN_LEVEL = levelOrInfo(System.getProperty(LEVEL_PROPERTY));
    private static final Map<String, Level> QUIETER = Map.of(
            "org.nd4j.imports.converters.ImportClassMapping", Level.ERROR,
            "org.nd4j.linalg.api.ops.DifferentialFunction", Level.ERROR);

    private static volatile PrintWriter out = new PrintWriter(System.out, true);
    private static volatile PrintWriter err = new PrintWriter(System.err, true);

    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();

    /**
     * Sends log lines to these writers until the returned handle is closed (one command run; the writers of the run
     * before come back).
     */
    public static AutoCloseable redirect(PrintWriter newOut, PrintWriter newErr) {
        PrintWriter oldOut = out;
        PrintWriter oldErr = err;
        out = newOut;
        err = newErr;
        return () -> {
            out = oldOut;
            err = oldErr;
        };
    }

    /**
     * The level a {@link #LEVEL_PROPERTY} value names (null: info).
     *
     * @throws IllegalArgumentException naming the property and its values
     */
    static Level level(String value) {
        if (value == null) {
            return Level.INFO;
        }
        for (Level l : Level.values()) {
            if (l.name().equalsIgnoreCase(value)) {
                return l;
            }
        }
        throw new IllegalArgumentException("-D" + LEVEL_PROPERTY + " must be one of trace, debug, info, warn, error, got '"
                + value + "'");
    }

    private static Level levelOrInfo(String value) {
        try {
            return level(value);
        } catch (IllegalArgumentException e) {
            return Level.INFO;
        }
    }

    @Override
    public Logger getLogger(String name) {
        return loggers.computeIfAbsent(name, CliLogger::new);
    }

    static Level threshold(String name) {
        if (name.startsWith(OWN)) {
            return OWN_LEVEL;
        }
        return QUIETER.getOrDefault(name, Level.WARN);
    }

    /** One named logger; every call formats with SLF4J's own {@code {}} rules. */
    static final class CliLogger extends MarkerIgnoringBase {
        private final boolean own;
        private final Level threshold;

        CliLogger(String name) {
            this.name = name;
            this.own = name.startsWith(OWN);
            this.threshold = threshold(name);
        }

        private boolean on(Level l) {
            return l.compareTo(threshold) >= 0;
        }

        private void log(Level l, FormattingTuple t) {
            if (!on(l)) {
                return;
            }
            PrintWriter w = own ? out : err;
            synchronized (w) {
                w.println(own ? t.getMessage() : l + " " + name + " - " + t.getMessage());
                if (t.getThrowable() != null) {
                    t.getThrowable().printStackTrace(w);
                }
                w.flush();
            }
        }

        private void log(Level l, String msg, Throwable t) {
            if (on(l)) {
                log(l, new FormattingTuple(msg, null, t));
            }
        }

        private void log(Level l, String format, Object... args) {
            if (on(l)) {
                log(l, MessageFormatter.arrayFormat(format, args));
            }
        }

        @Override public boolean isTraceEnabled() { return on(Level.TRACE); }
        @Override public void trace(String msg) { log(Level.TRACE, msg, (Throwable) null); }
        @Override public void trace(String format, Object arg) { log(Level.TRACE, format, new Object[]{arg}); }
        @Override public void trace(String format, Object a, Object b) { log(Level.TRACE, format, new Object[]{a, b}); }
        @Override public void trace(String format, Object... args) { log(Level.TRACE, format, args); }
        @Override public void trace(String msg, Throwable t) { log(Level.TRACE, msg, t); }

        @Override public boolean isDebugEnabled() { return on(Level.DEBUG); }
        @Override public void debug(String msg) { log(Level.DEBUG, msg, (Throwable) null); }
        @Override public void debug(String format, Object arg) { log(Level.DEBUG, format, new Object[]{arg}); }
        @Override public void debug(String format, Object a, Object b) { log(Level.DEBUG, format, new Object[]{a, b}); }
        @Override public void debug(String format, Object... args) { log(Level.DEBUG, format, args); }
        @Override public void debug(String msg, Throwable t) { log(Level.DEBUG, msg, t); }

        @Override public boolean isInfoEnabled() { return on(Level.INFO); }
        @Override public void info(String msg) { log(Level.INFO, msg, (Throwable) null); }
        @Override public void info(String format, Object arg) { log(Level.INFO, format, new Object[]{arg}); }
        @Override public void info(String format, Object a, Object b) { log(Level.INFO, format, new Object[]{a, b}); }
        @Override public void info(String format, Object... args) { log(Level.INFO, format, args); }
        @Override public void info(String msg, Throwable t) { log(Level.INFO, msg, t); }

        @Override public boolean isWarnEnabled() { return on(Level.WARN); }
        @Override public void warn(String msg) { log(Level.WARN, msg, (Throwable) null); }
        @Override public void warn(String format, Object arg) { log(Level.WARN, format, new Object[]{arg}); }
        @Override public void warn(String format, Object a, Object b) { log(Level.WARN, format, new Object[]{a, b}); }
        @Override public void warn(String format, Object... args) { log(Level.WARN, format, args); }
        @Override public void warn(String msg, Throwable t) { log(Level.WARN, msg, t); }

        @Override public boolean isErrorEnabled() { return on(Level.ERROR); }
        @Override public void error(String msg) { log(Level.ERROR, msg, (Throwable) null); }
        @Override public void error(String format, Object arg) { log(Level.ERROR, format, new Object[]{arg}); }
        @Override public void error(String format, Object a, Object b) { log(Level.ERROR, format, new Object[]{a, b}); }
        @Override public void error(String format, Object... args) { log(Level.ERROR, format, args); }
        @Override public void error(String msg, Throwable t) { log(Level.ERROR, msg, t); }
    }
}
