package io.distillwatch.core.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AlertJsonTest {
  static final AccountAlert ACCOUNT =
      new AccountAlert(
          "a-1",
          "acct-7",
          1776852930000L,
          0.875,
          1200,
          orderedMap("coding_share", 0.9, "template_reuse", 42.0, "tokens_per_min", 1.5e-3),
          List.of("90% of prompts ask for code", "one template reused 42 times"));

  static final ClusterAlert CLUSTER =
      new ClusterAlert(
          "c-1",
          "cluster-3",
          List.of("acct-1", "acct-2", "acct-9"),
          1776852930000L,
          1.0,
          53000,
          orderedIndicators(
              "payment_fingerprint", List.of("pf-1"), "template_hash", List.of("t1", "t2")),
          List.of("3 accounts pay with one card"));

  @Test
  void toJson_accountAlert_exactContract() {
    assertEquals(
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a-1\",\"account_id\":\"acct-7\","
            + "\"detected_at\":1776852930000,\"score\":0.875,\"exchanges\":1200,"
            + "\"signals\":{\"coding_share\":0.9,\"template_reuse\":42.0,\"tokens_per_min\":0.0015},"
            + "\"reasons\":[\"90% of prompts ask for code\",\"one template reused 42 times\"]}",
        AlertJson.toJson(ACCOUNT));
  }

  @Test
  void toJson_clusterAlert_exactContract() {
    assertEquals(
        "{\"kind\":\"CLUSTER\",\"alert_id\":\"c-1\",\"cluster_id\":\"cluster-3\","
            + "\"accounts\":[\"acct-1\",\"acct-2\",\"acct-9\"],\"detected_at\":1776852930000,"
            + "\"score\":1.0,\"exchanges\":53000,\"shared_indicators\":{\"payment_fingerprint\":"
            + "[\"pf-1\"],\"template_hash\":[\"t1\",\"t2\"]},"
            + "\"reasons\":[\"3 accounts pay with one card\"]}",
        AlertJson.toJson(CLUSTER));
  }

  @Test
  void toJson_randomAlerts_topLevelFieldNamesInContractOrder() throws IOException {
    Random rnd = new Random(7);
    for (int i = 0; i < 50; i++) {
      assertEquals(
          List.of(
              "kind",
              "alert_id",
              "account_id",
              "detected_at",
              "score",
              "exchanges",
              "signals",
              "reasons"),
          topLevelNames(AlertJson.toJson(randomAccount(rnd))));
      assertEquals(
          List.of(
              "kind",
              "alert_id",
              "cluster_id",
              "accounts",
              "detected_at",
              "score",
              "exchanges",
              "shared_indicators",
              "reasons"),
          topLevelNames(AlertJson.toJson(randomCluster(rnd))));
    }
  }

  @Test
  void roundTrip_randomAlerts_equalAndSameText() {
    Random rnd = new Random(20260422L);
    for (int i = 0; i < 300; i++) {
      Alert a = rnd.nextBoolean() ? randomAccount(rnd) : randomCluster(rnd);
      String json = AlertJson.toJson(a);
      Alert back = AlertJson.parse(json);
      assertEquals(a, back, json);
      assertEquals(json, AlertJson.toJson(back)); // map order survives too
    }
  }

  @Test
  void parse_fieldsInAnyOrderAndIntegerScore_accepted() {
    Alert a =
        AlertJson.parse(
            "{\"reasons\":[],\"signals\":{\"x\":1},\"score\":1,\"exchanges\":0,"
                + "\"detected_at\":5,\"account_id\":\"b\",\"alert_id\":\"a\",\"kind\":\"ACCOUNT\"}");
    assertEquals(new AccountAlert("a", "b", 5, 1.0, 0, Map.of("x", 1.0), List.of()), a);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[]|not a JSON object",
        "{\"kind\":\"ACCOUNT\"|not valid JSON",
        "{\"kind\":\"USER\",\"alert_id\":\"a\"}|kind must be ACCOUNT or CLUSTER",
        "{\"alert_id\":\"a\"}|missing field kind",
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a\",\"account_id\":\"b\",\"detected_at\":5,"
            + "\"score\":0.5,\"exchanges\":1,\"signals\":{}}|missing field reasons",
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a\",\"account_id\":\"b\",\"detected_at\":5,"
            + "\"score\":1.5,\"exchanges\":1,\"signals\":{},\"reasons\":[]}|score must be in [0, 1]",
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a\",\"account_id\":\"b\",\"detected_at\":5,"
            + "\"score\":0.5,\"exchanges\":1,\"signals\":{\"s\":NaN},\"reasons\":[]}|not valid JSON",
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a\",\"account_id\":\"b\",\"detected_at\":5,"
            + "\"score\":0.5,\"exchanges\":1,\"signals\":{\"s\":\"1\"},\"reasons\":[]}|signal s",
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a\",\"account_id\":\"b\",\"detected_at\":\"5\","
            + "\"score\":0.5,\"exchanges\":1,\"signals\":{},\"reasons\":[]}|detected_at must be",
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a\",\"account_id\":\"b\",\"detected_at\":5,"
            + "\"score\":0.5,\"exchanges\":1,\"signals\":{},\"reasons\":[],\"accounts\":[]}"
            + "|does not belong",
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a\",\"account_id\":\"b\",\"detected_at\":5,"
            + "\"score\":0.5,\"exchanges\":1,\"signals\":{},\"reasons\":[],\"x\":1}|unknown field x",
        "{\"kind\":\"ACCOUNT\",\"alert_id\":\"a\",\"alert_id\":\"b\"}|Duplicate field",
        "{\"kind\":\"CLUSTER\",\"alert_id\":\"a\",\"cluster_id\":\"c\",\"accounts\":[],"
            + "\"detected_at\":5,\"score\":0.5,\"exchanges\":1,\"shared_indicators\":{},"
            + "\"reasons\":[]}|accounts is empty",
        "{\"kind\":\"CLUSTER\",\"alert_id\":\"a\",\"cluster_id\":\"c\",\"accounts\":[\"x\"],"
            + "\"detected_at\":5,\"score\":0.5,\"exchanges\":1,\"shared_indicators\":{\"p\":[1]},"
            + "\"reasons\":[]}|shared indicator p",
        "{\"kind\":\"CLUSTER\",\"alert_id\":\"a\",\"cluster_id\":null,\"accounts\":[\"x\"],"
            + "\"detected_at\":5,\"score\":0.5,\"exchanges\":1,\"shared_indicators\":{},"
            + "\"reasons\":[]}|cluster_id must be a string",
      })
  void parse_badLine_illegalArgumentSayingWhat(String line, String mentions) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AlertJson.parse(line));
    assertTrue(e.getMessage().contains(mentions), e::getMessage);
  }

  @Test
  void parse_trailingContent_rejected() {
    String json = AlertJson.toJson(ACCOUNT);
    assertThrows(IllegalArgumentException.class, () -> AlertJson.parse(json + json));
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void accountAlert_nonFiniteSignal_rejected(double v) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new AccountAlert("a", "b", 0, 0.5, 1, Map.of("entropy", v), List.of()));
    assertTrue(e.getMessage().contains("entropy"), e::getMessage);
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.001, 1.001, Double.NaN, Double.POSITIVE_INFINITY})
  void alerts_scoreOutsideUnitInterval_rejected(double score) {
    assertThrows(
        IllegalArgumentException.class,
        () -> new AccountAlert("a", "b", 0, score, 1, Map.of(), List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ClusterAlert("a", "c", List.of("x"), 0, score, 1, Map.of(), List.of()));
  }

  @Test
  void alerts_nullIdsOrNullSignal_rejected() {
    assertThrows(
        NullPointerException.class,
        () -> new AccountAlert(null, "b", 0, 0.5, 1, Map.of(), List.of()));
    assertThrows(
        NullPointerException.class,
        () -> new AccountAlert("a", null, 0, 0.5, 1, Map.of(), List.of()));
    assertThrows(
        NullPointerException.class,
        () -> new ClusterAlert("a", null, List.of("x"), 0, 0.5, 1, Map.of(), List.of()));
    Map<String, Double> withNull = new LinkedHashMap<>();
    withNull.put("s", null);
    assertThrows(
        IllegalArgumentException.class,
        () -> new AccountAlert("a", "b", 0, 0.5, 1, withNull, List.of()));
    List<String> reasons = new ArrayList<>();
    reasons.add(null);
    assertThrows(
        NullPointerException.class, () -> new AccountAlert("a", "b", 0, 0.5, 1, Map.of(), reasons));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AccountAlert("a", "b", 0, 0.5, -1, Map.of(), List.of()));
  }

  @Test
  void alerts_defensiveCopies_laterChangesInvisibleAndViewsUnmodifiable() {
    Map<String, Double> signals = new LinkedHashMap<>(Map.of("s", 1.0));
    List<String> members = new ArrayList<>(List.of("x", "y"));
    List<String> shared = new ArrayList<>(List.of("pf"));
    Map<String, List<String>> indicators =
        new LinkedHashMap<>(Map.of("payment_fingerprint", shared));
    AccountAlert a = new AccountAlert("a", "b", 0, 0.5, 1, signals, List.of());
    ClusterAlert c = new ClusterAlert("a", "c", members, 0, 0.5, 1, indicators, List.of());
    signals.put("t", 2.0);
    members.add("z");
    shared.add("pf2");
    assertEquals(Map.of("s", 1.0), a.signals());
    assertEquals(List.of("x", "y"), c.accounts());
    assertEquals(List.of("pf"), c.sharedIndicators().get("payment_fingerprint"));
    assertThrows(UnsupportedOperationException.class, () -> a.signals().put("u", 1.0));
    assertThrows(
        UnsupportedOperationException.class,
        () -> c.sharedIndicators().get("payment_fingerprint").add("q"));
    assertEquals(AlertKind.ACCOUNT, a.kind());
    assertEquals(AlertKind.CLUSTER, c.kind());
  }

  // ---- helpers ----

  static List<String> topLevelNames(String json) throws IOException {
    List<String> names = new ArrayList<>();
    try (JsonParser p = new JsonFactory().createParser(json)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        names.add(p.currentName());
        p.nextToken();
        p.skipChildren();
      }
    }
    return names;
  }

  static AccountAlert randomAccount(Random rnd) {
    Map<String, Double> signals = new LinkedHashMap<>();
    int n = rnd.nextInt(6);
    for (int i = 0; i < n; i++) {
      signals.put("signal_" + rnd.nextInt(1000), randomDouble(rnd));
    }
    return new AccountAlert(
        "alert-" + Long.toHexString(rnd.nextLong()),
        text(rnd),
        rnd.nextLong(),
        randomScore(rnd),
        rnd.nextLong() & Long.MAX_VALUE,
        signals,
        reasons(rnd));
  }

  static ClusterAlert randomCluster(Random rnd) {
    List<String> accounts = new ArrayList<>();
    int n = 1 + rnd.nextInt(8);
    for (int i = 0; i < n; i++) {
      accounts.add(text(rnd));
    }
    Map<String, List<String>> indicators = new LinkedHashMap<>();
    String[] names = {"payment_fingerprint", "template_hash", "asn", "ip", "user_agent"};
    for (String name : names) {
      if (rnd.nextBoolean()) {
        List<String> values = new ArrayList<>();
        int k = rnd.nextInt(3);
        for (int i = 0; i < k; i++) {
          values.add(text(rnd));
        }
        indicators.put(name, values);
      }
    }
    return new ClusterAlert(
        "alert-" + Long.toHexString(rnd.nextLong()),
        "cluster-" + rnd.nextInt(1000),
        accounts,
        rnd.nextLong(),
        randomScore(rnd),
        rnd.nextInt(Integer.MAX_VALUE),
        indicators,
        reasons(rnd));
  }

  static double randomScore(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> 0.0;
      case 1 -> 1.0;
      default -> rnd.nextDouble();
    };
  }

  static double randomDouble(Random rnd) {
    return switch (rnd.nextInt(5)) {
      case 0 -> -rnd.nextDouble() * 1e6;
      case 1 -> Double.MIN_VALUE;
      case 2 -> Double.MAX_VALUE * rnd.nextDouble();
      case 3 -> rnd.nextInt(100);
      default -> rnd.nextGaussian();
    };
  }

  static List<String> reasons(Random rnd) {
    List<String> out = new ArrayList<>();
    int n = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      out.add("reason \"" + text(rnd) + "\" \\ \u00e9 \uD83D\uDE00 \n" + i);
    }
    return out;
  }

  static String text(Random rnd) {
    return "acct-" + Integer.toString(rnd.nextInt(1 << 20), 36);
  }

  static Map<String, Double> orderedMap(
      String k1, double v1, String k2, double v2, String k3, double v3) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    m.put(k3, v3);
    return m;
  }

  static Map<String, List<String>> orderedIndicators(
      String k1, List<String> v1, String k2, List<String> v2) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }
}
