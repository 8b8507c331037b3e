package io.adept4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code adept} command. Exit codes: 0 success, 2 bad usage or bad input, 1 anything else. Errors are one line on
 * stderr; {@code --verbose} adds the stack trace.
 */
@Command(name = "adept",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "ADEPT continual pretraining for Deeplearning4j: probe, expand, unit importance, decoupled tuning.",
        subcommands = {CorpusCommand.class, PretrainCommand.class, EvalCommand.class, ProbeCommand.class, ExpandCommand.class, TuneCommand.class, RunCommand.class, SweepCommand.class,
                ImportCommand.class, ExportCommand.class,
                BenchCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class})
public final class AdeptCli extends CommandGroup {

    /** Exit code for bad usage or bad input. */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit code for any other failure. */
    public static final int EXIT_FAILURE = 1;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code (used by tests, no System.exit). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        try { // JVM settings, checked before any work like every other input
            io.adept4j.ops.NativeMemory.timeShare(System.getProperty(io.adept4j.ops.NativeMemory.TIME_SHARE_PROPERTY));
            CliLog.level(System.getProperty(CliLog.LEVEL_PROPERTY));
            io.adept4j.model.CausalLm.Pass.configured();
            io.adept4j.model.CausalLm.vectorKernels();
        } catch (IllegalArgumentException e) {
            err.println("adept: " + e.getMessage() + " (set it in JAVA_OPTS, or leave it out for the default)");
            err.flush();
            return EXIT_BAD_INPUT;
        }
        CommandLine cl = new CommandLine(new AdeptCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("adept: " + ex.getMessage());
            if (!(ex instanceof OptionValueException)) { // a syntax error: show where the usage is
                CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
                err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            }
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean badInput = ex instanceof IllegalArgumentException || ex instanceof java.nio.file.NoSuchFileException
                    || ex instanceof java.nio.file.FileAlreadyExistsException;
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            err.println("adept: " + (badInput ? "" : "error: ") + msg.replace('\n', ' '));
            if (verbose) {
                ex.printStackTrace(err);
            }
            return badInput ? EXIT_BAD_INPUT : EXIT_FAILURE;
        });
        int code;
        try (AutoCloseable logs = CliLog.redirect(out, err)) { // the library's SLF4J lines go where this command prints
            code = cl.execute(args);
        } catch (Exception e) {
            throw new IllegalStateException(e); // closing the redirect throws nothing
        }
        out.flush();
        err.flush();
        return code;
    }
}
