package io.distillwatch.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class ScoreSeriesCommandTest {
  private static final long START = Instant.parse("2025-06-01T00:00:00Z").toEpochMilli();
  private static final int SPIKE_ROW = 300;

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = DistillwatchCli.commandLine(Map.of("score-series", new ScoreSeriesCommand()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private static LongFunction<String> format(String kind) {
    return switch (kind) {
      case "iso-offset" ->
          ms -> Instant.ofEpochMilli(ms).atOffset(ZoneOffset.ofHours(2)).toString();
      case "iso-z" -> ms -> Instant.ofEpochMilli(ms).toString();
      case "iso-local" ->
          ms -> LocalDateTime.ofEpochSecond(ms / 1000, 0, ZoneOffset.UTC).toString();
      case "space" ->
          ms ->
              LocalDateTime.ofEpochSecond(ms / 1000, 0, ZoneOffset.UTC)
                  .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
      default -> Long::toString;
    };
  }

  private Path series(LongFunction<String> ts) throws IOException {
    SplittableRandom rnd = new SplittableRandom(42);
    List<String> lines = new ArrayList<>();
    lines.add("timestamp,value");
    for (int i = 0; i < 500; i++) {
      double v = 100 + 10 * rnd.nextGaussian() + (i == SPIKE_ROW ? 150 : 0);
      lines.add(ts.apply(START + i * 60_000L) + "," + String.format("%.3f", v));
    }
    Path in = dir.resolve("series.csv");
    Files.write(in, lines, StandardCharsets.UTF_8);
    return in;
  }

  @ParameterizedTest
  @ValueSource(strings = {"iso-offset", "iso-z", "iso-local", "space", "epoch"})
  void scoreSeries_eachTimestampFormat_spikeGetsTopScore(String kind) throws IOException {
    Path in = series(format(kind));
    Path outFile = dir.resolve("scored.csv");
    assertEquals(
        0,
        run("score-series", "--input", in.toString(), "--output", outFile.toString()),
        err.toString());
    List<String> lines = Files.readAllLines(outFile);
    List<String> input = Files.readAllLines(in);
    assertEquals("timestamp,value,anomaly_score", lines.get(0));
    assertEquals(input.size(), lines.size());
    int top = -1;
    double topScore = -1;
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split(",");
      assertEquals(input.get(i), f[0] + "," + f[1], "timestamps and values echoed as given");
      double s = Double.parseDouble(f[2]);
      assertTrue(s >= 0 && s <= 1);
      if (s > topScore) {
        topScore = s;
        top = i - 1;
      }
    }
    assertEquals(SPIKE_ROW, top);
    assertTrue(topScore > 0.99);
    assertTrue(out.toString().startsWith("scored 500 rows"), out.toString());
    assertEquals(1, out.toString().lines().count());
  }

  @Test
  void scoreSeries_sameSeriesInEveryFormat_sameScores() throws IOException {
    List<String> reference = null;
    for (String kind : new String[] {"iso-z", "iso-offset", "space", "epoch"}) {
      Path in = series(format(kind));
      Path outFile = dir.resolve("scored-" + kind + ".csv");
      assertEquals(
          0, run("score-series", "--input", in.toString(), "--output", outFile.toString()));
      List<String> scores =
          Files.readAllLines(outFile).stream()
              .skip(1)
              .map(l -> l.substring(l.lastIndexOf(',') + 1))
              .toList();
      if (reference == null) {
        reference = scores;
      } else {
        assertEquals(reference, scores, kind);
      }
    }
  }

  @Test
  void scoreSeries_badRow_failsNamingTheLineWithExitCode1() throws IOException {
    Path in = dir.resolve("bad.csv");
    Files.writeString(
        in, "timestamp,value\n2025-01-01T00:00:00Z,1\n2025-01-01T00:01:00Z,1\nyesterday,3\n");
    Path outFile = dir.resolve("scored.csv");
    assertEquals(1, run("score-series", "--input", in.toString(), "--output", outFile.toString()));
    String message = err.toString().strip();
    assertTrue(message.startsWith("error: "), message);
    assertTrue(message.contains("line 4"), message);
    assertTrue(message.contains("'yesterday'"), message);
    assertEquals(1, message.lines().count(), "one sentence, no stack trace");
    assertFalse(Files.exists(outFile), "no half-written output");
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "temporary file cleaned up");
    }
  }

  @Test
  void scoreSeries_badValueOrFieldCount_namesLineAndProblem() throws IOException {
    Path in = dir.resolve("bad.csv");
    Path outFile = dir.resolve("o.csv");
    Files.writeString(in, "timestamp,value\n1000,1\n2000,NaN\n");
    assertEquals(1, run("score-series", "--input", in.toString(), "--output", outFile.toString()));
    assertTrue(
        err.toString().contains("line 3: value 'NaN' is not a finite number"), err.toString());
    Files.writeString(in, "timestamp,value\n1000,1,2\n");
    assertEquals(1, run("score-series", "--input", in.toString(), "--output", outFile.toString()));
    assertTrue(
        err.toString().contains("line 2: expected 2 comma-separated fields"), err.toString());
    Files.writeString(in, "timestamp,value\n1000,1\n\n2000,3\n");
    assertEquals(1, run("score-series", "--input", in.toString(), "--output", outFile.toString()));
    assertTrue(err.toString().contains("line 3: blank line"), err.toString());
  }

  @Test
  void scoreSeries_missingOrWrongHeader_fails() throws IOException {
    Path in = dir.resolve("nohead.csv");
    Path outFile = dir.resolve("o.csv");
    Files.writeString(in, "1000,1\n2000,2\n");
    assertEquals(1, run("score-series", "--input", in.toString(), "--output", outFile.toString()));
    assertTrue(
        err.toString().contains("line 1: expected the header 'timestamp,value', found '1000,1'"),
        err.toString());
    Files.writeString(in, "");
    assertEquals(1, run("score-series", "--input", in.toString(), "--output", outFile.toString()));
    assertTrue(err.toString().contains("an empty file"), err.toString());
    assertEquals(
        1,
        run(
            "score-series",
            "--input",
            dir.resolve("missing.csv").toString(),
            "--output",
            outFile.toString()));
    assertTrue(err.toString().contains("does not exist"), err.toString());
  }

  @Test
  void scoreSeries_blankLinesAtEndAndCrlf_accepted() throws IOException {
    Path in = dir.resolve("crlf.csv");
    Path outFile = dir.resolve("o.csv");
    Files.writeString(in, "timestamp,value\r\n1000,1\r\n2000,2\r\n\r\n\n");
    assertEquals(
        0,
        run("score-series", "--input", in.toString(), "--output", outFile.toString()),
        err.toString());
    assertEquals(
        List.of("timestamp,value,anomaly_score", "1000,1,0.000000", "2000,2,0.000000"),
        Files.readAllLines(outFile));
  }

  @Test
  void formatScore_neverRoundsUpToOne() {
    assertEquals("0.999999", ScoreSeriesCommand.formatScore(0.9999999));
    assertEquals("1.000000", ScoreSeriesCommand.formatScore(1.0));
    assertEquals("0.000000", ScoreSeriesCommand.formatScore(0.0));
  }
}
