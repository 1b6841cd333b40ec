package io.distillwatch.core.alert;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Validation and defensive copies shared by the alert records. */
final class AlertChecks {
  private AlertChecks() {}

  static String id(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + " is empty");
    }
    return value;
  }

  static void score(double score) {
    if (!(score >= 0.0 && score <= 1.0)) { // also rejects NaN
      throw new IllegalArgumentException("score must be in [0, 1], got " + score);
    }
  }

  static void exchanges(long exchanges) {
    if (exchanges < 0) {
      throw new IllegalArgumentException("exchanges must be >= 0, got " + exchanges);
    }
  }

  static List<String> strings(List<String> list, String name) {
    Objects.requireNonNull(list, name);
    try {
      return List.copyOf(list);
    } catch (NullPointerException e) {
      throw new NullPointerException(name + " contains null");
    }
  }

  /** An unmodifiable copy keeping insertion order; names non-null, values finite. */
  static Map<String, Double> signals(Map<String, Double> signals) {
    Objects.requireNonNull(signals, "signals");
    LinkedHashMap<String, Double> copy = new LinkedHashMap<>(signals.size() * 2);
    for (Map.Entry<String, Double> e : signals.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "signal name");
      Double v = e.getValue();
      if (v == null || !Double.isFinite(v)) {
        throw new IllegalArgumentException("signal " + name + " must be a finite number, got " + v);
      }
      copy.put(name, v);
    }
    return Collections.unmodifiableMap(copy);
  }

  /** An unmodifiable copy keeping insertion order, each value list copied. */
  static Map<String, List<String>> indicators(Map<String, List<String>> indicators) {
    Objects.requireNonNull(indicators, "sharedIndicators");
    LinkedHashMap<String, List<String>> copy = new LinkedHashMap<>(indicators.size() * 2);
    for (Map.Entry<String, List<String>> e : indicators.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "indicator name");
      copy.put(name, strings(e.getValue(), "shared indicator " + name));
    }
    return Collections.unmodifiableMap(copy);
  }
}
