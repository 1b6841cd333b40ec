package io.distillwatch.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SweepCommandTest {
  private static final Pattern BENIGN_FLAGGED = Pattern.compile(" (\\d+) of \\d+ ");

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = DistillwatchCli.commandLine(Map.of("sweep", new SweepCommand()));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void sweep_printsARowPerSeedVariantAndStart_thenTheCount() {
    int code =
        run(
            "sweep",
            "--scenario",
            "reasoning-150k",
            "--scale",
            "0.002",
            "--min-benign-accounts",
            "300",
            "--seeds",
            "3,4",
            "--without",
            "none,ip+prompt_hash",
            "--start",
            "default,2026-04-22T00:00:00Z");
    assertEquals(0, code, err.toString());
    List<String> lines = out.toString().lines().toList();
    assertEquals(1 + 2 * 2 * 2 + 1, lines.size(), out.toString());
    assertTrue(lines.get(0).matches("seed +start +without +reasoning-150k +benign flagged .*"));
    List<String> rows = lines.subList(1, lines.size() - 1);
    assertTrue(rows.get(0).matches("3 +default +none +\\d+% .*"), rows.get(0));
    assertTrue(rows.get(3).matches("4 +default +ip\\+prompt_hash .*"), rows.get(3));
    assertTrue(rows.get(5).matches("4 +2026-04-22T00:00:00Z +none .*"), rows.get(5));
    for (String row : rows) {
      assertTrue(row.matches(".* \\d+ of \\d+ +\\d+\\.\\d  .+"), row);
    }
    long met = rows.stream().filter(r -> r.matches(".*\\d\\.\\d  met( \\(.*\\))?")).count();
    long benign = 0;
    long never = 0;
    for (String row : rows) {
      Matcher m = BENIGN_FLAGGED.matcher(row);
      assertTrue(m.find(), row);
      benign += Long.parseLong(m.group(1));
      never += row.split("% never", -1).length - 1;
    }
    assertTrue(
        lines
            .get(lines.size() - 1)
            .matches(
                "sweep: 8 replays, "
                    + met
                    + " met every goal; benign accounts flagged "
                    + benign
                    + " \\(\\d+ hard negatives\\); campaigns never alerted "
                    + never),
        lines.get(lines.size() - 1));
  }

  @Test
  void badStartOrField_isAUsageError_beforeAnyReplay() {
    assertEquals(2, run("sweep", "--start", "yesterday"));
    assertTrue(err.toString().contains("'yesterday'"), err.toString());
    assertEquals(2, run("sweep", "--without", "ip+ips"));
    assertTrue(err.toString().contains("'ips'"), err.toString());
    assertEquals("", out.toString(), "nothing replayed");
  }

  @Test
  void sweep_onTwoThreads_printsTheSameRows_inTheSameOrder() {
    String[] args = {
      "sweep",
      "--scenario",
      "hydra-28m",
      "--scale",
      "0.002",
      "--min-benign-accounts",
      "300",
      "--seeds",
      "5,6,7",
      "--without",
      "none,payment_fingerprint"
    };
    assertEquals(0, run(args), err.toString());
    String one = out.toString();
    out.getBuffer().setLength(0);
    String[] two = Arrays.copyOf(args, args.length + 2);
    two[args.length] = "--threads";
    two[args.length + 1] = "2";
    assertEquals(0, run(two), err.toString());
    // Six independent detectors, two at a time: the rows but for their seconds are the same.
    assertEquals(withoutSeconds(one), withoutSeconds(out.toString()));
    assertEquals(8, one.lines().count(), one);
  }

  @Test
  void noThreads_isAUsageError() {
    assertEquals(2, run("sweep", "--threads", "0"));
    assertTrue(err.toString().contains("--threads must be at least 1"), err.toString());
  }

  private static String withoutSeconds(String out) {
    return out.replaceAll(" +\\d+\\.\\d  ", " ");
  }
}
