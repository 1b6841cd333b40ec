package io.distillwatch.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.examples.cli.DistillwatchCli;
import io.distillwatch.examples.cli.GatewayCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code distillwatch gateway} as a user starts it: it prints its URI, serves, and stops. */
class GatewayCommandTest {
  private static final Pattern LISTENING = Pattern.compile("gateway: listening on (\\S+)");

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private CommandLine cli() {
    CommandLine cli = DistillwatchCli.commandLine(Map.of("gateway", new GatewayCommand()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli;
  }

  @Test
  void gateway_portZero_printsUriServesAndStopsOnInterrupt() throws Exception {
    AtomicInteger exit = new AtomicInteger(-1);
    Thread server = new Thread(() -> exit.set(cli().execute("gateway", "--port", "0")));
    server.start();
    URI uri = null;
    for (int i = 0; i < 200 && uri == null; i++) {
      Matcher m = LISTENING.matcher(out.toString());
      if (m.find()) {
        uri = URI.create(m.group(1));
      } else {
        Thread.sleep(50);
      }
    }
    assertTrue(uri != null, "no URI printed; out: " + out + " err: " + err);
    assertEquals("127.0.0.1", uri.getHost());
    assertEquals(DetectionGateway.PATH, uri.getPath());

    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(uri)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"timestamp\":1776902400000,\"account_id\":\"acct-1\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(Verdict.SERVED, r.statusCode(), r.body());

    server.interrupt();
    server.join(5_000);
    assertFalse(server.isAlive(), "gateway did not stop");
    assertEquals(0, exit.get(), err.toString());
  }

  @Test
  void gateway_portOutOfRange_usageError() {
    assertEquals(DistillwatchCli.EXIT_USAGE, cli().execute("gateway", "--port", "70000"));
    assertTrue(err.toString().contains("--port must be in 0..65535"), err.toString());
  }
}
