package io.distillwatch.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The generate and replay commands end to end on files, as a researcher runs them. */
class ReplayCommandTest {
  private static final Pattern CLOSING =
      Pattern.compile("records=(\\d+) accepted=(\\d+) rejected=(\\d+) alerts=(\\d+)");

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Path trace;
  private Path labels;

  private int run(String... args) {
    Map<String, Object> commands = new LinkedHashMap<>();
    commands.put("generate", new GenerateCommand());
    commands.put("replay", new ReplayCommand());
    CommandLine cli = DistillwatchCli.commandLine(commands);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @BeforeEach
  void generateSmallTrace() {
    trace = dir.resolve("t.jsonl");
    labels = dir.resolve("l.json");
    int code =
        run(
            "generate",
            "--scenario",
            "hydra-28m",
            "--scale",
            "0.002",
            "--seed",
            "11",
            "--start",
            "2026-04-20T00:00:00Z",
            "--end",
            "2026-04-27T00:00:00Z",
            "--min-benign-accounts",
            "2500",
            "--output",
            trace.toString(),
            "--labels",
            labels.toString());
    assertEquals(0, code, err.toString());
    out.getBuffer().setLength(0);
  }

  @Test
  void replay_withLabelsAndBadLines_countsBalanceAndAlertsParse() throws IOException {
    // Append bad records: each must be rejected with a reason, none may stop the replay.
    List<String> bad =
        List.of(
            "{\"timestamp\":1776902400000",
            "{\"account_id\":\"acct-x\"}",
            "{\"timestamp\":1776902400000,\"account_id\":\"acct-x\",\"output_tokens\":-5}",
            "not json at all");
    Files.write(trace, bad, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    long lines;
    try (var s = Files.lines(trace)) {
      lines = s.count();
    }
    Path alerts = dir.resolve("a.jsonl");
    Path rejected = dir.resolve("r.jsonl");
    int code =
        run(
            "replay",
            "--input",
            trace.toString(),
            "--alerts",
            alerts.toString(),
            "--labels",
            labels.toString(),
            "--rejected",
            rejected.toString());
    assertEquals(0, code, err.toString());

    String[] outLines = out.toString().trim().split("\\R");
    Matcher m = CLOSING.matcher(outLines[outLines.length - 1]);
    assertTrue(m.matches(), "closing line: " + outLines[outLines.length - 1]);
    long records = Long.parseLong(m.group(1));
    long accepted = Long.parseLong(m.group(2));
    long rejectedCount = Long.parseLong(m.group(3));
    long alertCount = Long.parseLong(m.group(4));
    assertEquals(lines, records);
    assertEquals(records, accepted + rejectedCount);
    assertEquals(bad.size(), rejectedCount);

    List<String> rejectedLines = Files.readAllLines(rejected);
    assertEquals(bad.size(), rejectedLines.size());
    for (String r : rejectedLines) {
      assertTrue(r.contains("\"reason\"") && r.contains("\"raw\""), r);
    }
    List<String> alertLines = Files.readAllLines(alerts);
    assertEquals(alertCount, alertLines.size());
    assertTrue(alertCount > 0, "the hydra campaign raised no alert");
    for (String line : alertLines) {
      Alert a = AlertJson.parse(line);
      assertTrue(a.score() >= 0 && a.score() <= 1);
      assertTrue(!a.reasons().isEmpty(), "alert without a reason: " + line);
    }
    assertTrue(out.toString().contains("hydra-28m"), "evaluation table missing:\n" + out);
  }

  @Test
  void replay_traceWithoutPromptHashes_saysContentSignalsAreBlind() throws IOException {
    Path stripped = dir.resolve("no-prompts.jsonl");
    try (var lines = Files.lines(trace)) {
      Files.write(
          stripped,
          lines.map(l -> l.replaceAll(",\"prompt_hash\":\"[0-9a-f]+\"", "")).toList(),
          StandardCharsets.UTF_8);
    }
    assertTrue(!Files.readString(stripped).contains("prompt_hash"));
    int code =
        run(
            "replay",
            "--input",
            stripped.toString(),
            "--alerts",
            dir.resolve("a.jsonl").toString());
    assertEquals(0, code, err.toString());
    String printed = out.toString();
    assertTrue(printed.contains("have no prompt_hash"), printed);
    assertTrue(!printed.contains("have no template_hash"), printed);
    String[] lines = printed.trim().split("\\R");
    assertTrue(CLOSING.matcher(lines[lines.length - 1]).matches(), "closing line last: " + printed);

    out.getBuffer().setLength(0);
    assertEquals(
        0,
        run("replay", "--input", trace.toString(), "--alerts", dir.resolve("b.jsonl").toString()));
    assertTrue(!out.toString().contains("note:"), out.toString());
  }

  @Test
  void replay_missingInput_failsWithOneSentence() {
    int code =
        run(
            "replay",
            "--input",
            dir.resolve("nope.jsonl").toString(),
            "--alerts",
            dir.resolve("a.jsonl").toString());
    assertEquals(DistillwatchCli.EXIT_FAILURE, code);
    String e = err.toString().trim();
    assertTrue(e.startsWith("error: ") && e.contains("nope.jsonl"), e);
    assertTrue(!e.contains("\tat "), "stack trace without --verbose: " + e);
  }
}
