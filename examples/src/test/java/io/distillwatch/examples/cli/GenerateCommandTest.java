package io.distillwatch.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.generate.LabelsJson;
import io.distillwatch.examples.generate.TraceGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GenerateCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = DistillwatchCli.commandLine(Map.of("generate", new GenerateCommand()));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void generate_smallTrace_writesTraceLabelsAndSummary() throws IOException {
    Path trace = dir.resolve("t.jsonl");
    Path labels = dir.resolve("l.json");
    int code =
        run(
            "generate",
            "--scenario",
            "hydra-28m,pivot-13m",
            "--scenario",
            "low-and-slow",
            "--scale",
            "0.002",
            "--seed",
            "3",
            "--start",
            "2026-05-10T00:00:00Z",
            "--end",
            "2026-05-12T00:00:00Z",
            "--min-benign-accounts",
            "100",
            "--output",
            trace.toString(),
            "--labels",
            labels.toString());
    assertEquals(0, code, err.toString());
    Labels l = LabelsJson.read(labels);
    assertEquals(3, l.campaigns().size());
    long lines;
    try (Stream<String> s = Files.lines(trace)) {
      lines = s.count();
    }
    String summary = out.toString();
    assertTrue(summary.startsWith("generate: " + lines + " records, " + l.accountCount()), summary);
    for (Labels.Campaign c : l.campaigns()) {
      assertTrue(summary.contains(c.name() + " " + c.exchanges()), summary);
    }
  }

  @Test
  void generate_unknownPreset_usageErrorListingPresets() {
    int code =
        run(
            "generate",
            "--scenario",
            "hydra-99m",
            "--output",
            dir.resolve("t").toString(),
            "--labels",
            dir.resolve("l").toString());
    assertEquals(DistillwatchCli.EXIT_USAGE, code);
    assertTrue(err.toString().contains("unknown scenario 'hydra-99m'"), err.toString());
    assertTrue(err.toString().contains("low-and-slow"), err.toString());
    assertTrue(Files.notExists(dir.resolve("t")));
  }

  @Test
  void generate_without_leavesThoseFieldsOutOfEveryLine_andKeepsTheRest() throws IOException {
    Path full = dir.resolve("full.jsonl");
    Path stripped = dir.resolve("stripped.jsonl");
    String[] common = {
      "--scenario",
      "hydra-28m",
      "--scale",
      "0.002",
      "--seed",
      "9",
      "--start",
      "2026-04-22T00:00:00Z",
      "--end",
      "2026-04-23T00:00:00Z",
      "--min-benign-accounts",
      "200",
      "--labels",
      dir.resolve("l.json").toString()
    };
    assertEquals(0, run(concat(common, "generate", "--output", full.toString())), err.toString());
    assertEquals(
        0,
        run(
            concat(
                common,
                "generate",
                "--output",
                stripped.toString(),
                "--without",
                "ip,prompt_hash")),
        err.toString());
    List<String> a = Files.readAllLines(full);
    List<String> b = Files.readAllLines(stripped);
    assertEquals(a.size(), b.size());
    assertTrue(a.stream().anyMatch(l -> l.contains("\"ip\":")), "the full trace has IPs");
    for (int i = 0; i < a.size(); i++) {
      String expected =
          a.get(i)
              .replaceAll(",\"ip\":\"[^\"]*\"", "")
              .replaceAll(",\"prompt_hash\":\"[^\"]*\"", "");
      assertEquals(expected, b.get(i), "line " + (i + 1));
    }
  }

  @Test
  void generate_withoutUnknownField_usageErrorNamingIt() {
    int code =
        run(
            "generate",
            "--without",
            "ips",
            "--output",
            dir.resolve("t").toString(),
            "--labels",
            dir.resolve("l").toString());
    assertEquals(DistillwatchCli.EXIT_USAGE, code);
    assertTrue(err.toString().contains("unknown optional field 'ips'"), err.toString());
    assertTrue(Files.notExists(dir.resolve("t")));
  }

  /** {@code --start} takes what {@code sweep --start} takes: {@code default} or an ISO instant. */
  @Test
  void generate_startDefault_isTheGeneratorsDefault_andABadStartIsNamed() throws IOException {
    Path labels = dir.resolve("l.json");
    int code =
        run(
            "generate",
            "--scenario",
            "low-and-slow",
            "--scale",
            "0.002",
            "--start",
            "default",
            "--end",
            TraceGenerator.DEFAULT_START.plus(Duration.ofDays(1)).toString(),
            "--min-benign-accounts",
            "20",
            "--output",
            dir.resolve("t.jsonl").toString(),
            "--labels",
            labels.toString());
    assertEquals(0, code, err.toString());
    assertEquals(TraceGenerator.DEFAULT_START.toEpochMilli(), LabelsJson.read(labels).start());

    code =
        run(
            "generate",
            "--start",
            "yesterday",
            "--output",
            dir.resolve("t2").toString(),
            "--labels",
            dir.resolve("l2").toString());
    assertEquals(DistillwatchCli.EXIT_USAGE, code);
    assertTrue(
        err.toString().contains("start 'yesterday' is neither 'default' nor an ISO instant"),
        err.toString());
    assertTrue(Files.notExists(dir.resolve("t2")));
  }

  private static String[] concat(String[] tail, String... head) {
    String[] all = new String[head.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }
}
