package io.adept4j.cli;

import picocli.CommandLine;

/**
 * An option value refused while the command line is parsed (before any work): reported as one line naming the option
 * and the accepted values, without the usage hint a syntax error gets.
 */
final class OptionValueException extends CommandLine.ParameterException {

    OptionValueException(CommandLine commandLine, String message) {
        super(commandLine, message);
    }
}
