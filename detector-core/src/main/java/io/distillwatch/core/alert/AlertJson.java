package io.distillwatch.core.alert;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes and reads alerts as JSON lines, the detector's output contract. One alert per line, field
 * names and order exactly:
 *
 * <pre>
 * {"kind":"ACCOUNT","alert_id":..,"account_id":..,"detected_at":<millis>,"score":<0..1>,
 *  "exchanges":<n>,"signals":{"<name>":<number>,..},"reasons":["..",..]}
 * {"kind":"CLUSTER","alert_id":..,"cluster_id":..,"accounts":["..",..],"detected_at":..,
 *  "score":..,"exchanges":..,"shared_indicators":{"<name>":["..",..],..},"reasons":[..]}
 * </pre>
 *
 * <p>{@link #parse} is strict, so that it can check the contract: every field of the kind must be
 * present, no other field, no duplicate keys, nothing after the object; any deviation is an {@link
 * IllegalArgumentException} saying what is wrong. Doubles are written in their shortest exact form
 * and read back bit for bit.
 */
public final class AlertJson {
  /** A JsonFactory is thread-safe once configured; this one is never reconfigured. */
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static final Set<String> ACCOUNT_FIELDS =
      Set.of(
          "kind",
          "alert_id",
          "account_id",
          "detected_at",
          "score",
          "exchanges",
          "signals",
          "reasons");
  private static final Set<String> CLUSTER_FIELDS =
      Set.of(
          "kind",
          "alert_id",
          "cluster_id",
          "accounts",
          "detected_at",
          "score",
          "exchanges",
          "shared_indicators",
          "reasons");

  private AlertJson() {}

  /** Writes one alert as a JSON object (no trailing newline) to the generator. */
  public static void write(Alert alert, JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("kind", alert.kind().name());
    g.writeStringField("alert_id", alert.alertId());
    if (alert instanceof AccountAlert a) {
      g.writeStringField("account_id", a.accountId());
      writeCommon(a, g);
      g.writeObjectFieldStart("signals");
      for (Map.Entry<String, Double> e : a.signals().entrySet()) {
        g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
    } else if (alert instanceof ClusterAlert c) {
      g.writeStringField("cluster_id", c.clusterId());
      writeStrings("accounts", c.accounts(), g);
      writeCommon(c, g);
      g.writeObjectFieldStart("shared_indicators");
      for (Map.Entry<String, List<String>> e : c.sharedIndicators().entrySet()) {
        writeStrings(e.getKey(), e.getValue(), g);
      }
      g.writeEndObject();
    }
    writeStrings("reasons", alert.reasons(), g);
    g.writeEndObject();
  }

  /** One alert as a JSON line (no trailing newline). */
  public static String toJson(Alert alert) {
    StringWriter out = new StringWriter(512);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(alert, g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Reads one alert from a JSON line.
   *
   * @throws IllegalArgumentException if the line is not exactly one alert in the contract's form
   */
  public static Alert parse(String line) {
    try (JsonParser p = JSON.createParser(line)) {
      Alert a = readAlert(p);
      JsonToken after = p.nextToken();
      if (after != null) {
        throw new IllegalArgumentException("alert line has content after the object: " + after);
      }
      return a;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "alert line is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen when reading a String
    }
  }

  private static void writeCommon(Alert a, JsonGenerator g) throws IOException {
    g.writeNumberField("detected_at", a.detectedAt());
    g.writeNumberField("score", a.score());
    g.writeNumberField("exchanges", a.exchanges());
  }

  private static void writeStrings(String name, List<String> values, JsonGenerator g)
      throws IOException {
    g.writeArrayFieldStart(name);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  private static Alert readAlert(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("alert line is not a JSON object");
    }
    String kind = null;
    String alertId = null;
    String accountId = null;
    String clusterId = null;
    List<String> accounts = null;
    Long detectedAt = null;
    Double score = null;
    Long exchanges = null;
    Map<String, Double> signals = null;
    Map<String, List<String>> indicators = null;
    List<String> reasons = null;
    List<String> seen = new ArrayList<>(9);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      seen.add(name);
      p.nextToken();
      switch (name) {
        case "kind" -> kind = string(p, name);
        case "alert_id" -> alertId = string(p, name);
        case "account_id" -> accountId = string(p, name);
        case "cluster_id" -> clusterId = string(p, name);
        case "accounts" -> accounts = strings(p, name);
        case "detected_at" -> detectedAt = integer(p, name);
        case "score" -> score = number(p, name);
        case "exchanges" -> exchanges = integer(p, name);
        case "signals" -> signals = signals(p);
        case "shared_indicators" -> indicators = indicators(p);
        case "reasons" -> reasons = strings(p, name);
        default -> throw new IllegalArgumentException("alert has unknown field " + name);
      }
    }
    if (kind == null) {
      throw new IllegalArgumentException("alert is missing field kind");
    }
    Set<String> expected;
    if (kind.equals(AlertKind.ACCOUNT.name())) {
      expected = ACCOUNT_FIELDS;
    } else if (kind.equals(AlertKind.CLUSTER.name())) {
      expected = CLUSTER_FIELDS;
    } else {
      throw new IllegalArgumentException("alert kind must be ACCOUNT or CLUSTER, got " + kind);
    }
    for (String name : seen) {
      if (!expected.contains(name)) {
        throw new IllegalArgumentException(
            "field " + name + " does not belong in a " + kind + " alert");
      }
    }
    for (String name : expected) {
      if (!seen.contains(name)) {
        throw new IllegalArgumentException(kind + " alert is missing field " + name);
      }
    }
    try {
      if (expected == ACCOUNT_FIELDS) {
        return new AccountAlert(alertId, accountId, detectedAt, score, exchanges, signals, reasons);
      }
      return new ClusterAlert(
          alertId, clusterId, accounts, detectedAt, score, exchanges, indicators, reasons);
    } catch (NullPointerException e) {
      throw new IllegalArgumentException("invalid " + kind + " alert: null " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid " + kind + " alert: " + e.getMessage(), e);
    }
  }

  private static String string(JsonParser p, String field) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw wrongType(p, field, "a string");
    }
    return p.getText();
  }

  private static long integer(JsonParser p, String field) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
        || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw wrongType(p, field, "an integer (64-bit)");
    }
    return p.getLongValue();
  }

  private static double number(JsonParser p, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw wrongType(p, field, "a number");
    }
    return p.getDoubleValue();
  }

  private static List<String> strings(JsonParser p, String field) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw wrongType(p, field, "an array of strings");
    }
    List<String> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      out.add(string(p, field + " element"));
    }
    return out;
  }

  private static Map<String, Double> signals(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw wrongType(p, "signals", "an object");
    }
    Map<String, Double> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      out.put(name, number(p, "signal " + name));
    }
    return out;
  }

  private static Map<String, List<String>> indicators(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw wrongType(p, "shared_indicators", "an object");
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      out.put(name, strings(p, "shared indicator " + name));
    }
    return out;
  }

  private static IllegalArgumentException wrongType(JsonParser p, String field, String expected) {
    return new IllegalArgumentException(
        field + " must be " + expected + ", got " + describe(p.currentToken()));
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "end of input";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a float";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.name();
    };
  }
}
