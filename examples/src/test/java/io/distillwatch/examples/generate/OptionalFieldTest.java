package io.distillwatch.examples.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import java.io.IOException;
import java.io.StringWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class OptionalFieldTest {
  private static final Exchange FULL =
      new Exchange(
          1_776_211_206_091L,
          "acct-1",
          "org-1",
          "10.0.0.1",
          "AS1",
          "sdk/1.0",
          "card-1",
          "frontier-1",
          1407,
          656,
          "tmpl-1",
          "prompt-1",
          Category.CODING,
          true,
          2,
          200);

  private static final Map<OptionalField, Function<Exchange, String>> GETTERS =
      Map.of(
          OptionalField.ORG_ID, Exchange::orgId,
          OptionalField.IP, Exchange::ip,
          OptionalField.ASN, Exchange::asn,
          OptionalField.USER_AGENT, Exchange::userAgent,
          OptionalField.PAYMENT_FINGERPRINT, Exchange::paymentFingerprint,
          OptionalField.MODEL, Exchange::model,
          OptionalField.TEMPLATE_HASH, Exchange::templateHash,
          OptionalField.PROMPT_HASH, Exchange::promptHash);

  private static final List<Function<Exchange, Object>> OTHER_FIELDS =
      List.of(
          Exchange::timestamp,
          Exchange::accountId,
          Exchange::inputTokens,
          Exchange::outputTokens,
          Exchange::category,
          Exchange::reasoningRequested,
          Exchange::toolCalls,
          Exchange::status);

  @Test
  void strip_eachField_removesExactlyThatField() {
    assertEquals(OptionalField.values().length, GETTERS.size(), "a getter per field");
    for (OptionalField dropped : OptionalField.values()) {
      Exchange e = OptionalField.strip(FULL, EnumSet.of(dropped));
      for (OptionalField f : OptionalField.values()) {
        String value = GETTERS.get(f).apply(e);
        if (f == dropped) {
          assertNull(value, f + " dropped");
        } else {
          assertEquals(GETTERS.get(f).apply(FULL), value, f + " kept when " + dropped + " drops");
        }
      }
      for (Function<Exchange, Object> field : OTHER_FIELDS) {
        assertEquals(field.apply(FULL), field.apply(e), "a required or non-text field changed");
      }
    }
  }

  @Test
  void strip_nothing_returnsTheSameExchange() {
    assertSame(FULL, OptionalField.strip(FULL, Set.of()));
  }

  @Test
  void parse_wireNamesCaseInsensitive_noneAlone_isEmpty() {
    assertEquals(
        EnumSet.of(OptionalField.IP, OptionalField.PROMPT_HASH),
        OptionalField.parse(List.of("ip", " Prompt_Hash")));
    assertTrue(OptionalField.parse(List.of("none")).isEmpty());
    assertTrue(OptionalField.parse(List.of()).isEmpty());
    for (OptionalField f : OptionalField.values()) {
      assertEquals(EnumSet.of(f), OptionalField.parse(List.of(f.wireName())));
    }
  }

  @Test
  void parse_unknownOrRequiredField_namesItAndTheKnownOnes() {
    for (String bad : List.of("account_id", "timestamp", "ips", "none+ip")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> OptionalField.parse(List.of(bad)));
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
      assertTrue(e.getMessage().contains("prompt_hash"), e.getMessage());
    }
    // "none" with another field is a contradiction, not a silent no-op.
    assertThrows(IllegalArgumentException.class, () -> OptionalField.parse(List.of("none", "ip")));
  }

  @Test
  void describe_joinsWireNamesInDeclarationOrder() {
    assertEquals("none", OptionalField.describe(Set.of()));
    assertEquals(
        "ip+prompt_hash",
        OptionalField.describe(EnumSet.of(OptionalField.PROMPT_HASH, OptionalField.IP)));
  }

  @Test
  void generator_withoutFields_isTheFullTraceWithThoseFieldsRemoved() {
    TraceGenerator.Builder b =
        TraceGenerator.builder()
            .scale(0.002)
            .seed(5)
            .start(java.time.Instant.parse("2026-04-21T00:00:00Z"))
            .end(java.time.Instant.parse("2026-04-22T12:00:00Z"))
            .minBenignAccounts(300);
    Set<OptionalField> drop = EnumSet.of(OptionalField.IP, OptionalField.PROMPT_HASH);
    var full = b.build().iterator();
    TraceGenerator stripped = b.withoutFields(drop).build();
    assertEquals(drop, stripped.withoutFields());
    long n = 0;
    int hadIp = 0;
    for (Exchange e : stripped) {
      Exchange f = full.next();
      assertEquals(OptionalField.strip(f, drop), e);
      assertNull(e.ip());
      assertNull(e.promptHash());
      assertNotNull(e.accountId());
      hadIp += f.ip() != null ? 1 : 0;
      n++;
    }
    assertTrue(!full.hasNext(), "same length");
    assertTrue(
        n > 1000 && hadIp > n / 2, n + " records, " + hadIp + " with an IP in the full trace");
  }

  @Test
  void wireNames_areTheKeysTheJsonWriterWrites() throws IOException {
    String full = json(FULL);
    for (OptionalField f : OptionalField.values()) {
      String key = "\"" + f.wireName() + "\":";
      assertTrue(full.contains(key), key + " in " + full);
      assertTrue(!json(OptionalField.strip(FULL, EnumSet.of(f))).contains(key), key + " dropped");
    }
  }

  private static String json(Exchange e) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      ExchangeJson.write(e, g);
    }
    return out.toString();
  }
}
