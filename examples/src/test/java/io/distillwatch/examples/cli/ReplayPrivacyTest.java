package io.distillwatch.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.examples.generate.TraceGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code replay} keeps raw input out of everything but the rejected output: a rejected line's raw
 * text, secrets and all, is written once, to {@code --rejected}, and nowhere else (alerts, standard
 * output, standard error); an accepted line's unknown fields (a forwarded prompt, a token) are
 * dropped and appear nowhere; and the alerts of a generated trace carry no prompt hash, user agent
 * or organisation id of its input.
 */
class ReplayPrivacyTest {
  @TempDir Path dir;

  @Test
  void replay_secretsInRejectedAndAcceptedLines_rawLineOnlyInRejectedOutput() throws IOException {
    Path trace = dir.resolve("t.jsonl");
    TraceGenerator generator =
        TraceGenerator.builder()
            .scenarios(Set.of("hydra-28m"))
            .scale(0.002)
            .seed(11)
            .start(Instant.parse("2026-04-20T00:00:00Z"))
            .end(Instant.parse("2026-04-27T00:00:00Z"))
            .minBenignAccounts(1000)
            .build();
    Set<String> neverInAlerts = new HashSet<>();
    for (Exchange e : generator) {
      neverInAlerts.add(e.promptHash());
      neverInAlerts.add(e.userAgent());
      if (e.orgId() != null) {
        neverInAlerts.add(e.orgId());
      }
    }
    try (OutputStream out = Files.newOutputStream(trace)) {
      generator.writeJsonLines(out);
    }

    long t = Instant.parse("2026-04-23T00:00:00Z").toEpochMilli();
    // Each rejected line carries its own secret, which must reach the rejected output only.
    Map<String, String> rejectedBySecret = new LinkedHashMap<>();
    rejectedBySecret.put(
        "SECRET-PROMPT-1",
        "{\"timestamp\":"
            + t
            + ",\"account_id\":\"acct-x\",\"prompt\":\"SECRET-PROMPT-1 summarise my medical"
            + " record\",\"output_tokens\":-5}");
    rejectedBySecret.put(
        "sk-live-SECRET-2",
        "{\"timestamp\":" + t + ",\"account_id\":\"a\",\"api_key\":\"sk-live-SECRET-2\"");
    rejectedBySecret.put(
        "Bearer SECRET-3", "{\"account_id\":\"acct-z\",\"authorization\":\"Bearer SECRET-3\"}");
    rejectedBySecret.put(
        "SECRET-4", "{\"timestamp\":\"yesterday SECRET-4\",\"account_id\":\"acct-w\"}");
    rejectedBySecret.put("SECRET-5", "not json SECRET-5 at all");
    // Accepted: unknown fields are ignored, so this secret must appear nowhere.
    String acceptedSecret = "SECRET-6 the user's whole prompt";
    String accepted =
        "{\"timestamp\":"
            + t
            + ",\"account_id\":\"acct-v\",\"prompt_text\":\""
            + acceptedSecret
            + "\",\"template_hash\":\"5b2f\",\"output_tokens\":12}";
    List<String> appended = new java.util.ArrayList<>(rejectedBySecret.values());
    appended.add(accepted);
    Files.write(trace, appended, StandardCharsets.UTF_8, StandardOpenOption.APPEND);

    Path alerts = dir.resolve("a.jsonl");
    Path rejected = dir.resolve("r.jsonl");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int code;
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    try {
      // Anything written straight to the process streams (a stray print, a console logger
      // configured after this point) is caught too.
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
      CommandLine cli = DistillwatchCli.commandLine(Map.of("replay", new ReplayCommand()));
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      code =
          cli.execute(
              "replay",
              "--input",
              trace.toString(),
              "--alerts",
              alerts.toString(),
              "--rejected",
              rejected.toString());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    assertEquals(0, code, err.toString());

    // The rejected output: one line per bad record, whose "raw" is the line exactly.
    List<String> rejectedLines = Files.readAllLines(rejected, StandardCharsets.UTF_8);
    assertEquals(rejectedBySecret.size(), rejectedLines.size());
    Map<String, String> raws = new HashMap<>();
    for (String line : rejectedLines) {
      Map<String, String> fields = fields(line);
      assertEquals(Set.of("reason", "message", "raw"), fields.keySet(), line);
      raws.put(fields.get("raw"), fields.get("reason"));
    }
    assertEquals(Set.copyOf(rejectedBySecret.values()), raws.keySet());
    String rejectedText = String.join("\n", rejectedLines);
    assertFalse(rejectedText.contains(acceptedSecret), "an accepted line reached --rejected");

    String alertText = Files.readString(alerts, StandardCharsets.UTF_8);
    assertFalse(alertText.isEmpty(), "the hydra campaign raised no alert");
    Map<String, String> elsewhere =
        Map.of(
            "alerts",
            alertText,
            "command output",
            out.toString(),
            "command errors",
            err.toString(),
            "stdout",
            stdout.toString(StandardCharsets.UTF_8),
            "stderr",
            stderr.toString(StandardCharsets.UTF_8));
    elsewhere.forEach(
        (where, text) -> {
          for (String secret : rejectedBySecret.keySet()) {
            assertFalse(text.contains(secret), secret + " leaked to " + where);
          }
          assertFalse(text.contains("SECRET-6"), "an ignored field leaked to " + where);
        });

    // The alerts of the generated trace carry none of its prompt hashes, agents or orgs.
    for (String line : Files.readAllLines(alerts, StandardCharsets.UTF_8)) {
      try (JsonParser p = new JsonFactory().createParser(line)) {
        JsonToken tok;
        while ((tok = p.nextToken()) != null) {
          if (tok == JsonToken.VALUE_STRING) {
            assertFalse(neverInAlerts.contains(p.getText()), "input value in alert: " + line);
          }
        }
      }
    }
  }

  /** The top-level string fields of one JSON object. */
  private static Map<String, String> fields(String line) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    try (JsonParser p = new JsonFactory().createParser(line)) {
      assertEquals(JsonToken.START_OBJECT, p.nextToken());
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        assertEquals(JsonToken.VALUE_STRING, p.nextToken(), name);
        out.put(name, p.getText());
      }
    }
    return out;
  }
}
