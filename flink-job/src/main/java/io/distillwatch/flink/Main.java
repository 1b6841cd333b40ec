package io.distillwatch.flink;

import io.distillwatch.examples.cli.DistillwatchCli;
import io.distillwatch.examples.cli.GenerateCommand;
import io.distillwatch.examples.cli.ScoreSeriesCommand;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of {@code bin/distillwatch}: assembles every subcommand into one tool. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Map<String, Object> commands = new LinkedHashMap<>();
    commands.put("generate", new GenerateCommand());
    commands.put("score-series", new ScoreSeriesCommand());
    System.exit(DistillwatchCli.commandLine(commands).execute(args));
  }
}
