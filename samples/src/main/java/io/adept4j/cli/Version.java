package io.adept4j.cli;

import picocli.CommandLine;

/** Reads the version from the jar manifest (written by the build). */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = AdeptCli.class.getPackage().getImplementationVersion();
        return new String[]{"adept4j " + (v == null ? "(development build)" : v)
                + " — DL4J/ND4J 1.0.0-M2.1, Java " + System.getProperty("java.version")};
    }
}
