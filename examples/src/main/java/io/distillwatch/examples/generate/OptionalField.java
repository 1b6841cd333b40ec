package io.distillwatch.examples.generate;

import io.distillwatch.core.io.Exchange;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;

/**
 * The optional text fields of the input schema that a gateway may not report, by wire name. A trace
 * generated without some of them ({@link TraceGenerator.Builder#withoutFields}) is what such a
 * gateway would send, so the detector's dependence on each field can be measured on the same
 * population and campaigns.
 */
public enum OptionalField {
  ORG_ID("org_id", b -> b.orgId(null)),
  IP("ip", b -> b.ip(null)),
  ASN("asn", b -> b.asn(null)),
  USER_AGENT("user_agent", b -> b.userAgent(null)),
  PAYMENT_FINGERPRINT("payment_fingerprint", b -> b.paymentFingerprint(null)),
  MODEL("model", b -> b.model(null)),
  TEMPLATE_HASH("template_hash", b -> b.templateHash(null)),
  PROMPT_HASH("prompt_hash", b -> b.promptHash(null));

  private final String wireName;
  private final Consumer<Exchange.Builder> clear;

  OptionalField(String wireName, Consumer<Exchange.Builder> clear) {
    this.wireName = wireName;
    this.clear = clear;
  }

  /** The field's name in the JSON-lines schema. */
  public String wireName() {
    return wireName;
  }

  /**
   * The fields named, by wire name (case-insensitive); {@code none} alone is the empty set.
   *
   * @throws IllegalArgumentException naming the first unknown field and the known ones
   */
  public static Set<OptionalField> parse(Collection<String> names) {
    EnumSet<OptionalField> fields = EnumSet.noneOf(OptionalField.class);
    for (String name : names) {
      String n = name.trim().toLowerCase(Locale.ROOT);
      if (n.equals("none")) {
        if (names.size() == 1) {
          continue;
        }
        throw new IllegalArgumentException(
            "'none' leaves no field out, so it cannot be combined with " + names);
      }
      fields.add(byWireName(n));
    }
    return fields;
  }

  private static OptionalField byWireName(String name) {
    for (OptionalField f : values()) {
      if (f.wireName.equals(name)) {
        return f;
      }
    }
    StringJoiner known = new StringJoiner(", ");
    for (OptionalField f : values()) {
      known.add(f.wireName);
    }
    throw new IllegalArgumentException(
        "unknown optional field '" + name + "'; the optional text fields are " + known);
  }

  /** The exchange without the given fields (the same instance when there is nothing to drop). */
  public static Exchange strip(Exchange e, Set<OptionalField> fields) {
    if (fields.isEmpty()) {
      return e;
    }
    Exchange.Builder b = e.toBuilder();
    for (OptionalField f : fields) {
      f.clear.accept(b);
    }
    return b.build();
  }

  /** The fields' wire names joined by {@code +}, or {@code none}. */
  public static String describe(Set<OptionalField> fields) {
    if (fields.isEmpty()) {
      return "none";
    }
    StringJoiner j = new StringJoiner("+");
    for (OptionalField f : fields) {
      j.add(f.wireName);
    }
    return j.toString();
  }
}
