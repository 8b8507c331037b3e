package io.adept4j.tests;

import io.adept4j.cli.CliLog;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's SLF4J binding: adept4j's lines as they are on the output, other libraries' warnings on stderr. */
class CliLogTest {

    @Test
    void libraryLinesReachTheCommandsOutputAsTheyAre() throws Exception {
        assertInstanceOf(CliLog.class, LoggerFactory.getILoggerFactory(), "the CLI binds its own logging");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (AutoCloseable ignored = CliLog.redirect(new PrintWriter(out, true), new PrintWriter(err, true))) {
            Logger own = LoggerFactory.getLogger("io.adept4j.samediff.AdeptTrainer");
            own.info("[tune] step {}/{}  loss {}", 3, 10, "4.1");
            own.debug("[tune] not shown at the default level");
            Logger nd4j = LoggerFactory.getLogger("org.nd4j.linalg.Something");
            nd4j.info("start-up banner");
            nd4j.warn("a real warning");
            LoggerFactory.getLogger("org.nd4j.linalg.api.ops.DifferentialFunction").warn("known harmless");
        }
        assertEquals("[tune] step 3/10  loss 4.1" + System.lineSeparator(), out.toString());
        assertEquals("WARN org.nd4j.linalg.Something - a real warning" + System.lineSeparator(), err.toString());
        StringWriter after = new StringWriter();
        try (AutoCloseable ignored = CliLog.redirect(new PrintWriter(after, true), new PrintWriter(after, true))) {
            LoggerFactory.getLogger("io.adept4j.x").info("next command");
        }
        assertTrue(after.toString().contains("next command") && !out.toString().contains("next command"),
                "each run's lines go to that run's writers");
    }

    /** {@code adept --version} with JVM property {@code key} set to {@code value} (restored afterwards). */
    private static CliTest.Run versionWith(String key, String value) {
        String before = System.getProperty(key);
        System.setProperty(key, value);
        try {
            return CliTest.adept("--version");
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    /** Exit 2 and one line on stderr holding every one of {@code parts}. */
    private static void refused(CliTest.Run r, String... parts) {
        assertEquals(2, r.code(), r.out());
        for (String part : parts) {
            assertTrue(r.err().contains(part), r.err());
        }
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    /** A bad log level in JAVA_OPTS is refused before any command runs: exit 2, one line naming the property. */
    @Test
    void aBadLogLevelIsRefusedByName() {
        refused(versionWith(CliLog.LEVEL_PROPERTY, "loud"), "-D" + CliLog.LEVEL_PROPERTY + " must be one of", "'loud'");
    }

    /** A bad block pass in JAVA_OPTS is refused the same way. */
    @Test
    void aBadPassIsRefusedByName() {
        String key = io.adept4j.model.CausalLm.Pass.PROPERTY;
        refused(versionWith(key, "turbo"), "-D" + key + " must be direct or samediff", "'turbo'");
    }

    /** A bad -Dadept4j.vector too. */
    @Test
    void aBadVectorSettingIsRefusedByName() {
        refused(versionWith("adept4j.vector", "fast"), "-Dadept4j.vector must be true or false", "'fast'");
    }
}
