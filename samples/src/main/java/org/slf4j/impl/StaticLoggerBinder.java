package org.slf4j.impl;

import io.adept4j.cli.CliLog;
import org.slf4j.ILoggerFactory;
import org.slf4j.spi.LoggerFactoryBinder;

/**
 * How SLF4J 1.7 finds a program's logging: the {@code adept} command line binds the library's SLF4J loggers to
 * {@link CliLog}, which prints adept4j's progress lines as they are and other libraries' warnings to stderr.
 */
public final class StaticLoggerBinder implements LoggerFactoryBinder {

    /** The SLF4J API version this binding is written against (SLF4J reads it). */
    public static String REQUESTED_API_VERSION = "1.7.36";

    private static final StaticLoggerBinder SINGLETON = new StaticLoggerBinder();

    private final ILoggerFactory factory = new CliLog();

    private StaticLoggerBinder() {
    }

    /** The binding (SLF4J calls this). */
    public static StaticLoggerBinder getSingleton() {
        return SINGLETON;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public String getLoggerFactoryClassStr() {
        return CliLog.class.getName();
    }
}
