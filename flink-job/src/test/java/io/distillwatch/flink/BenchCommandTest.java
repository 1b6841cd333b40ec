package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.examples.cli.DistillwatchCli;
import io.distillwatch.flink.bench.BenchCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code bench} runs end to end and prints its figures in the format. The figures
 * themselves are measurements, not asserted: a test checks only that they are there and sane.
 */
class BenchCommandTest {
  private static final Pattern LINE =
      Pattern.compile("hashmap: detect=(\\d+) trivial=(\\d+) ratio=(\\d+\\.\\d\\d)");

  @Test
  void bench_smallInput_printsDetectTrivialAndRatio() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = DistillwatchCli.commandLine(Map.of("bench", new BenchCommand()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code =
        cli.execute(
            "bench",
            "--records",
            "20000",
            "--backends",
            "hashmap",
            "--latency-rate",
            "0",
            "-p",
            "1");
    assertEquals(0, code, err.toString());
    Matcher m = LINE.matcher(out.toString());
    assertTrue(m.find(), out.toString());
    double detect = Double.parseDouble(m.group(1));
    double trivial = Double.parseDouble(m.group(2));
    double ratio = Double.parseDouble(m.group(3));
    assertTrue(detect > 0 && trivial > 0, out.toString());
    assertEquals(detect / trivial, ratio, 0.006, "ratio is detect / trivial");
  }
}
