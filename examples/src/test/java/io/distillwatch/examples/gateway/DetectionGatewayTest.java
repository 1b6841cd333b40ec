package io.distillwatch.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.examples.generate.TraceGenerator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway on loopback, driven with a generated trace: two campaigns and the benign population
 * with its hard negatives.
 *
 * <p>The trace runs from 20 April 2026 to 22 April 10:00 at scale 0.002 (2,500 benign accounts).
 * Until 22 April 03:30, about 58,600 exchanges go straight to the gateway's guard, as if the
 * gateway had been running; the last six and a half hours, about 6,900, go over HTTP, one request
 * after another, in trace order. The reasoning campaign is flagged during the first part; the hydra
 * campaign starts in the second, so its first requests are served and its later ones refused.
 */
class DetectionGatewayTest {
  private static final Instant START = Instant.parse("2026-04-20T00:00:00Z");
  private static final Instant END = Instant.parse("2026-04-22T10:00:00Z");
  private static final long HTTP_FROM = Instant.parse("2026-04-22T03:30:00Z").toEpochMilli();
  private static final Set<String> SERVED_ARCHETYPES =
      Set.of(
          ScenarioPresets.ENTERPRISE_BATCH,
          ScenarioPresets.CI_BOT,
          ScenarioPresets.IDE_TEMPLATE,
          ScenarioPresets.SHARED_NAT);

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private DetectorGuard guard;
  private DetectionGateway gateway;

  @BeforeEach
  void start() throws IOException {
    // The trace stands for a gateway that had been running: it starts with the reasoning campaign,
    // whose third account shares rare templates with the other two only in its first hour. A
    // detector started with the trace would spend that hour in its template-set warm-up (see
    // DetectorConfig.Builder#templateSetWarmUp), and the other two, refused by then, never band
    // again; one that had been running would be past it.
    guard =
        new DetectorGuard(
            ExtractionDetector.builder().templateSetWarmUp(Duration.ZERO).build(),
            ExchangeParser.builder().build());
    gateway =
        DetectionGateway.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), guard, 2);
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private record Answer(int status, String body) {}

  private Answer post(URI uri, String body) throws IOException, InterruptedException {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Answer(r.statusCode(), r.body());
  }

  @Test
  void trace_campaignRefusedOnceFlagged_hardNegativesServed() throws Exception {
    TraceGenerator trace =
        TraceGenerator.builder()
            .scenarios(Set.of(ScenarioPresets.REASONING_150K, ScenarioPresets.HYDRA_28M))
            .scale(0.002)
            .seed(11)
            .start(START)
            .end(END)
            .minBenignAccounts(2500)
            .build();
    Map<String, String> groupOf = groups(trace.labels());

    Map<String, List<Integer>> httpStatusesByGroup = new HashMap<>();
    Map<String, List<Integer>> statusesByAccount = new HashMap<>();
    Set<String> refusedBodies = new HashSet<>();
    long direct = 0;
    for (Exchange e : trace) {
      String group = groupOf.get(e.accountId());
      String json = ExchangeJson.toJson(e);
      int status;
      if (e.timestamp() < HTTP_FROM) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        status = guard.check(body, body.length).status();
        direct++;
      } else {
        Answer a = post(gateway.uri(), json);
        status = a.status();
        httpStatusesByGroup.computeIfAbsent(group, k -> new ArrayList<>()).add(status);
        if (status == Verdict.REFUSED) {
          refusedBodies.add(a.body());
        }
      }
      statusesByAccount.computeIfAbsent(e.accountId(), k -> new ArrayList<>()).add(status);
      if (SERVED_ARCHETYPES.contains(group)) {
        assertEquals(Verdict.SERVED, status, group + " account " + e.accountId() + " refused");
      }
    }
    assertTrue(direct > 40_000, "warm-up exchanges: " + direct);
    for (String archetype : SERVED_ARCHETYPES) {
      assertFalse(
          httpStatusesByGroup.getOrDefault(archetype, List.of()).isEmpty(),
          "no " + archetype + " request went over HTTP");
    }

    // Flagged accounts stay refused: no 200 after an account's first 429.
    statusesByAccount.forEach(
        (account, statuses) -> {
          int first = statuses.indexOf(Verdict.REFUSED);
          if (first >= 0) {
            assertTrue(
                statuses.subList(first, statuses.size()).stream()
                    .allMatch(s -> s == Verdict.REFUSED),
                account + " was served again after being refused: " + statuses);
          }
        });

    // The reasoning campaign was flagged before the HTTP part: all of it is refused.
    List<Integer> reasoning = httpStatusesByGroup.get(ScenarioPresets.REASONING_150K);
    assertTrue(reasoning.size() > 100, "reasoning requests over HTTP: " + reasoning.size());
    assertTrue(reasoning.stream().allMatch(s -> s == Verdict.REFUSED), "reasoning served");

    // The hydra campaign starts over HTTP: served at first, refused later.
    List<Integer> hydra = httpStatusesByGroup.get(ScenarioPresets.HYDRA_28M);
    assertTrue(hydra.size() >= 20, "hydra requests over HTTP: " + hydra.size());
    assertEquals(Verdict.SERVED, hydra.get(0), "hydra's first request");
    List<Integer> laterHalf = hydra.subList(hydra.size() / 2, hydra.size());
    long refusedLater = laterHalf.stream().filter(s -> s == Verdict.REFUSED).count();
    assertTrue(
        refusedLater >= 0.9 * laterHalf.size(),
        "hydra's later requests refused: " + refusedLater + " of " + laterHalf.size());

    // Every 429 carries the alert and its reasons.
    assertFalse(refusedBodies.isEmpty());
    for (String body : refusedBodies) {
      Map<String, Object> fields = parse(body);
      assertEquals("refused", fields.get("status"), body);
      assertTrue(((String) fields.get("alert_id")).length() > 0, body);
      assertFalse(((List<?>) fields.get("reasons")).isEmpty(), "429 without reasons: " + body);
    }
  }

  @Test
  void badRequests_answeredWithoutReachingTheDetector() throws Exception {
    Answer malformed = post(gateway.uri(), "{\"timestamp\":1776902400000");
    assertEquals(Verdict.BAD_REQUEST, malformed.status());
    assertEquals("malformed_json", parse(malformed.body()).get("reason"), malformed.body());

    Answer missing = post(gateway.uri(), "{\"timestamp\":1776902400000}");
    assertEquals(Verdict.BAD_REQUEST, missing.status());
    assertEquals("missing_field", parse(missing.body()).get("reason"), missing.body());

    Answer wrongPath = post(gateway.uri().resolve("/v1/other"), "{}");
    assertEquals(404, wrongPath.status());

    HttpResponse<String> get =
        client.send(
            HttpRequest.newBuilder(gateway.uri()).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, get.statusCode());
    assertEquals("POST", get.headers().firstValue("Allow").orElse(""));

    Answer tooLarge =
        post(gateway.uri(), "{\"pad\":\"" + "x".repeat(DetectionGateway.MAX_BODY_BYTES) + "\"}");
    assertEquals(413, tooLarge.status());

    Answer ok =
        post(
            gateway.uri(),
            "{\"timestamp\":1776902400000,\"account_id\":\"acct-1\",\"output_tokens\":20}");
    assertEquals(Verdict.SERVED, ok.status(), ok.body());
    assertEquals("{\"status\":\"served\"}", ok.body());
    assertEquals(0, guard.refusedAccounts());
  }

  private static Map<String, String> groups(Labels labels) {
    Map<String, String> groupOf = new HashMap<>();
    for (Labels.Campaign c : labels.campaigns()) {
      c.accounts().forEach(a -> groupOf.put(a, c.name()));
    }
    for (Labels.Benign b : labels.benign()) {
      b.accounts().forEach(a -> groupOf.put(a, b.archetype()));
    }
    return groupOf;
  }

  /** Top-level fields of a flat JSON object: strings, numbers, and arrays of strings. */
  private static Map<String, Object> parse(String json) throws IOException {
    Map<String, Object> fields = new HashMap<>();
    try (JsonParser p = new JsonFactory().createParser(json)) {
      assertEquals(JsonToken.START_OBJECT, p.nextToken(), json);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (t == JsonToken.START_ARRAY) {
          List<String> items = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            items.add(p.getText());
          }
          fields.put(name, items);
        } else {
          fields.put(name, t.isNumeric() ? p.getNumberValue() : p.getText());
        }
      }
    }
    return fields;
  }
}
