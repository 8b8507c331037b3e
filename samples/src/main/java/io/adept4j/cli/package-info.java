/**
 * The {@code adept} command line: one subcommand per step and job, every input and the output folder checked before
 * work starts (exit 2 and one line naming the file and the fix), results written atomically.
 */
package io.adept4j.cli;
