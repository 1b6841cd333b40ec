package io.distillwatch.flink;

import io.distillwatch.examples.cli.DistillwatchCli;
import io.distillwatch.examples.cli.GenerateCommand;
import io.distillwatch.examples.cli.ReplayCommand;
import io.distillwatch.examples.cli.ScoreSeriesCommand;
import io.distillwatch.flink.bench.BenchCommand;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/** Entry point of {@code bin/distillwatch}: assembles every subcommand into one tool. */
public final class Main {
  private Main() {}

  /**
   * The tool with every subcommand, as {@code bin/distillwatch} runs it (a fresh instance each
   * call, so tests can run documented command lines through the real command spec).
   */
  public static CommandLine commandLine() {
    Map<String, Object> commands = new LinkedHashMap<>();
    commands.put("run", new RunJobCommand());
    commands.put("bench", new BenchCommand());
    commands.put("soak", new io.distillwatch.flink.bench.SoakCommand());
    commands.put("generate", new GenerateCommand());
    commands.put("replay", new ReplayCommand());
    commands.put("sweep", new io.distillwatch.examples.cli.SweepCommand());
    commands.put("score-series", new ScoreSeriesCommand());
    commands.put("report", new io.distillwatch.examples.cli.ReportCommand());
    commands.put("gateway", new io.distillwatch.examples.cli.GatewayCommand());
    return DistillwatchCli.commandLine(commands);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
