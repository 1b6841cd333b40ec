package io.distillwatch.examples.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code distillwatch} command-line tool: one entry point whose subcommands are registered by
 * the module that assembles the tool (the Flink job module adds {@code run} and {@code bench}).
 *
 * <p>Exit codes scripts can rely on: {@code 0} success, {@code 1} the command failed (bad input
 * file, I/O error), {@code 2} the command line itself is wrong. Errors are printed as one plain
 * sentence; {@code --verbose} adds the stack trace.
 */
@Command(
    name = "distillwatch",
    mixinStandardHelpOptions = true,
    versionProvider = DistillwatchCli.Version.class,
    description = "Detects model-extraction (distillation) campaigns in LLM API traffic.",
    subcommandsRepeatable = false)
public final class DistillwatchCli implements Runnable {

  /** Exit code of a command that ran and failed. */
  public static final int EXIT_FAILURE = 1;

  /** Exit code of a command line that could not be understood. */
  public static final int EXIT_USAGE = 2;

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces with errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Builds the command line with the given subcommands, in order of the map's iteration.
   *
   * @param subcommands subcommand name to picocli command object
   */
  public static CommandLine commandLine(Map<String, Object> subcommands) {
    CommandLine cli = new CommandLine(new DistillwatchCli());
    subcommands.forEach(cli::addSubcommand);
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          err.println("error: " + oneSentence(ex));
          if (isVerbose(parseResult)) {
            ex.printStackTrace(err);
          }
          err.flush();
          return EXIT_FAILURE;
        });
    cli.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine commandLine = ex.getCommandLine();
          PrintWriter err = commandLine.getErr();
          err.println("error: " + ex.getMessage());
          err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
          err.flush();
          return EXIT_USAGE;
        });
    return cli;
  }

  private static boolean isVerbose(CommandLine.ParseResult parseResult) {
    return parseResult != null
        && (parseResult.hasMatchedOption("--verbose")
            || (parseResult.subcommand() != null
                && parseResult.subcommand().hasMatchedOption("--verbose")));
  }

  private static String oneSentence(Throwable ex) {
    Throwable t = ex;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage();
    return message != null ? message : t.getClass().getSimpleName();
  }

  /** Reads the version from the jar manifest, falling back to "development". */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = DistillwatchCli.class.getPackage().getImplementationVersion();
      return new String[] {"distillwatch " + (v != null ? v : "development")};
    }
  }
}
