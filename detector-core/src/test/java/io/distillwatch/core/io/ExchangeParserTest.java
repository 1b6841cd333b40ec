package io.distillwatch.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ExchangeParserTest {
  static final Instant NOW = Instant.parse("2026-04-22T12:00:00Z");
  static final long T = Instant.parse("2026-04-22T10:15:30Z").toEpochMilli();
  static final String OK = "{\"timestamp\":" + T + ",\"account_id\":\"acct-1\"";

  static ExchangeParser parser() {
    return ExchangeParser.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
  }

  static Exchange accept(ExchangeParser p, String line) {
    ParseResult r = p.parse(line);
    assertTrue(r.isAccepted(), () -> "rejected: " + r.rejection());
    return r.exchange();
  }

  static Exchange accept(String line) {
    return accept(parser(), line);
  }

  @Test
  void parse_everyField_fillsExchange() {
    String line =
        "{\"timestamp\":\"2026-04-22T10:15:30.123Z\",\"account_id\":\"acct-1\",\"org_id\":\"org\","
            + "\"ip\":\"2001:db8::1\",\"asn\":13335,\"user_agent\":\"curl/8.5 \\\"x\\\" \u00e9\","
            + "\"payment_fingerprint\":\"pf\",\"model\":\"m-large\",\"input_tokens\":120,"
            + "\"output_tokens\":4000,\"template_hash\":\"t1\",\"prompt_hash\":123456789012345678901,"
            + "\"category\":\"CODING\",\"reasoning_requested\":true,\"tool_calls\":3,\"status\":200}";
    Exchange expected =
        Exchange.builder(T + 123, "acct-1")
            .orgId("org")
            .ip("2001:db8::1")
            .asn("AS13335")
            .userAgent("curl/8.5 \"x\" \u00e9")
            .paymentFingerprint("pf")
            .model("m-large")
            .inputTokens(120)
            .outputTokens(4000)
            .templateHash("t1")
            .promptHash("123456789012345678901")
            .category(Category.CODING)
            .reasoningRequested(true)
            .toolCalls(3)
            .status(200)
            .build();
    assertEquals(expected, accept(line));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1776852930000",
        "\"2026-04-22T10:15:30Z\"",
        "\"2026-04-22T12:15:30+02:00\"",
        "\"2026-04-22T05:15:30-05:00\"",
        "\"2026-04-22T10:15:30.000Z\""
      })
  void parse_timestampForms_sameInstant(String ts) {
    assertEquals(T, accept("{\"account_id\":\"a\",\"timestamp\":" + ts + "}").timestamp());
  }

  @Test
  void parse_asnAsStringOrInteger_keepsTextForm() {
    assertEquals("AS13335", accept(OK + ",\"asn\":13335}").asn());
    assertEquals("AS13335", accept(OK + ",\"asn\":\"AS13335\"}").asn());
    assertEquals("13335", accept(OK + ",\"asn\":\"13335\"}").asn());
  }

  @Test
  void parse_nullOptionalFields_areAbsent() {
    Exchange e =
        accept(
            OK
                + ",\"org_id\":null,\"ip\":null,\"asn\":null,\"input_tokens\":null,"
                + "\"category\":null,\"reasoning_requested\":null,\"tool_calls\":null,"
                + "\"status\":null,\"prompt_hash\":null}");
    assertEquals(Exchange.builder(T, "acct-1").build(), e);
  }

  @Test
  void parse_unknownFieldsIncludingNested_areSkipped() {
    Exchange e =
        accept(
            "{\"v\":2,\"extra\":{\"a\":[1,{\"b\":null,\"c\":[[],{}]}],\"d\":\"x\"},"
                + "\"timestamp\":"
                + T
                + ",\"tags\":[\"x\",1.5,true],\"account_id\":\"acct-1\",\"z\":1e300}");
    assertEquals(Exchange.builder(T, "acct-1").build(), e);
  }

  @Test
  void parse_categoryNames_caseInsensitiveUnknownIsOther() {
    assertEquals(Category.AGENTIC, accept(OK + ",\"category\":\"agentic\"}").category());
    assertEquals(Category.CODING, accept(OK + ",\"category\":\"Coding\"}").category());
    assertEquals(Category.OTHER, accept(OK + ",\"category\":\"poetry\"}").category());
  }

  @Test
  void parse_nestingAtMaxDepth_accepted_oneDeeper_tooDeep() {
    // The line's object is depth 1, so a field value can open 15 more levels.
    String ok = OK + ",\"x\":" + "[".repeat(15) + "]".repeat(15) + "}";
    accept(ok);
    String deep = OK + ",\"x\":" + "[".repeat(16) + "]".repeat(16) + "}";
    assertEquals(RejectReason.TOO_DEEP, parser().parse(deep).rejection().reason());
  }

  @Test
  void parse_byteOrderMark_ignored() {
    accept("\uFEFF" + OK + "}");
  }

  @Test
  void parse_stringAndByteForms_agree() {
    ExchangeParser p = parser();
    byte[] b = ("xx" + OK + ",\"model\":\"\u6f22\"}yy").getBytes(StandardCharsets.UTF_8);
    Exchange e = p.parse(b, 2, b.length - 4).exchange();
    assertEquals(accept(OK + ",\"model\":\"\u6f22\"}"), e);
  }

  @Test
  void parse_escapedUnpairedSurrogate_rejectedNamingTheField() {
    String[] lone = {"\\ud800", "a\\udc00b", "\\ud83d\\u0041", "x\\ud83d"};
    for (String esc : lone) {
      for (String field : new String[] {"account_id", "model", "user_agent"}) {
        String line =
            "{\"timestamp\":"
                + T
                + ",\""
                + field
                + "\":\""
                + esc
                + "\""
                + (field.equals("account_id") ? "" : ",\"account_id\":\"a\"")
                + "}";
        for (ParseResult r : bothForms(line)) {
          assertEquals(RejectReason.IMPOSSIBLE_VALUE, r.rejection().reason(), line);
          assertTrue(r.rejection().message().contains(field), r.rejection().message());
          assertTrue(r.rejection().message().contains("unpaired surrogate"), line);
        }
      }
    }
    // An escaped pair is one supplementary character, and accepted.
    for (ParseResult r :
        bothForms("{\"timestamp\":" + T + ",\"account_id\":\"a\\ud83d\\ude00\"}")) {
      assertEquals("a\ud83d\ude00", r.exchange().accountId());
    }
  }

  private static List<ParseResult> bothForms(String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return List.of(parser().parse(line), parser().parse(b, 0, b.length));
  }

  @Test
  void parse_unpairedSurrogateInString_malformed() {
    ParseResult r = parser().parse(OK + ",\"model\":\"\uD800\"}");
    assertEquals(RejectReason.MALFORMED_JSON, r.rejection().reason());
    assertTrue(r.rejection().rawLine().contains("\uFFFD"));
  }

  @Test
  void parse_timestampAheadOfStreamTime_rejectedUntilStreamCatchesUp() {
    ExchangeParser p =
        ExchangeParser.builder()
            .clock(Clock.fixed(NOW.plus(Duration.ofDays(30)), ZoneOffset.UTC))
            .build();
    long day = Duration.ofDays(1).toMillis();
    accept(p, "{\"timestamp\":" + T + ",\"account_id\":\"a\"}");
    Rejection r = p.parse("{\"timestamp\":" + (T + day + 1) + ",\"account_id\":\"a\"}").rejection();
    assertEquals(RejectReason.IMPOSSIBLE_VALUE, r.reason());
    assertTrue(
        r.message().contains("timestamp") && r.message().contains("stream time"), r::message);
    accept(p, "{\"timestamp\":" + (T + day) + ",\"account_id\":\"a\"}");
    accept(p, "{\"timestamp\":" + (T + 2 * day) + ",\"account_id\":\"a\"}");
    accept(p, "{\"timestamp\":" + (T - 30 * day) + ",\"account_id\":\"a\"}"); // late is not ours
    assertEquals(T + 2 * day, p.streamTime());
  }

  @Test
  void parse_timestampAheadOfWallClock_impossible() {
    long limit = NOW.toEpochMilli() + Duration.ofDays(1).toMillis();
    accept("{\"timestamp\":" + limit + ",\"account_id\":\"a\"}");
    Rejection r =
        parser().parse("{\"timestamp\":" + (limit + 1) + ",\"account_id\":\"a\"}").rejection();
    assertEquals(RejectReason.IMPOSSIBLE_VALUE, r.reason());
    assertTrue(r.message().contains("wall clock"), r::message);
  }

  @Test
  void parse_fieldProblemThenSyntaxError_syntaxWins() {
    ParseResult r = parser().parse("{\"input_tokens\":-1,\"account_id\":\"a\",}");
    assertEquals(RejectReason.MALFORMED_JSON, r.rejection().reason());
  }

  @Test
  void parse_twoFieldProblems_firstInLineOrderWins() {
    Rejection r = parser().parse(OK + ",\"status\":600,\"input_tokens\":\"1\"}").rejection();
    assertEquals(RejectReason.IMPOSSIBLE_VALUE, r.reason());
    assertTrue(r.message().startsWith("status"), r::message);
  }

  @Test
  void parse_afterRejection_nextLineStartsClean() {
    ExchangeParser p = parser();
    p.parse(OK + ",\"model\":\"m\",\"status\":99}");
    assertNull(accept(p, OK + "}").model());
  }

  // ---- round trip ----

  @Test
  void roundTrip_randomExchanges_parseEqualsWritten() {
    Random rnd = new Random(20260422L);
    ExchangeParser p = parser();
    long ts = ExchangeParser.MIN_TIMESTAMP;
    for (int i = 0; i < 500; i++) {
      ts += rnd.nextInt(3_600_000); // ascending with gaps under a day: within stream skew
      Exchange e = randomExchange(rnd, ts);
      String json = ExchangeJson.toJson(e);
      assertEquals(e, accept(p, json), json);
      byte[] b = json.getBytes(StandardCharsets.UTF_8);
      assertEquals(e, p.parse(b, 0, b.length).exchange(), json);
      byte[] direct = ExchangeJson.toJsonBytes(e);
      assertArrayEquals(b, direct, json);
      assertEquals(e, p.parse(direct, 0, direct.length).exchange(), json);
    }
    assertEquals(1500, p.accepted());
    assertEquals(0, p.rejected());
  }

  static Exchange randomExchange(Random rnd, long ts) {
    return Exchange.builder(ts, "acct-" + randomText(rnd, rnd.nextInt(30)))
        .orgId(rnd.nextBoolean() ? null : randomText(rnd, rnd.nextInt(20)))
        .ip(rnd.nextBoolean() ? null : "10.0." + rnd.nextInt(256) + "." + rnd.nextInt(256))
        .asn(rnd.nextBoolean() ? null : "AS" + rnd.nextInt(400_000))
        .userAgent(rnd.nextBoolean() ? null : randomText(rnd, rnd.nextInt(200)))
        .paymentFingerprint(rnd.nextBoolean() ? null : Long.toHexString(rnd.nextLong()))
        .model(rnd.nextBoolean() ? null : randomText(rnd, 10))
        .inputTokens(rnd.nextInt((int) ExchangeParser.MAX_TOKENS + 1))
        .outputTokens(rnd.nextInt(100_000))
        .templateHash(rnd.nextBoolean() ? null : Long.toHexString(rnd.nextLong()))
        .promptHash(rnd.nextBoolean() ? null : Long.toUnsignedString(rnd.nextLong()))
        .category(Category.ofOrdinal(rnd.nextInt(Category.values().length)))
        .reasoningRequested(rnd.nextBoolean())
        .toolCalls(rnd.nextInt(ExchangeParser.MAX_TOOL_CALLS + 1))
        .status(rnd.nextBoolean() ? 0 : 100 + rnd.nextInt(500))
        .build();
  }

  private static final String ALPHABET = "abcXYZ019 -_./:\"\\\u00e9\u6f22\u00fc~{}[]";

  static String randomText(Random rnd, int len) {
    StringBuilder sb = new StringBuilder(len + 2);
    for (int i = 0; i < len; i++) {
      if (rnd.nextInt(20) == 0) {
        sb.append("\uD83D\uDE00"); // a supplementary character, as a surrogate pair
      } else {
        sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
      }
    }
    return sb.toString();
  }

  // ---- bad records ----

  /** Raw bytes for a corpus line: each char is one byte (ISO-8859-1), so invalid UTF-8 fits. */
  static byte[] bytes(String latin1) {
    return latin1.getBytes(StandardCharsets.ISO_8859_1);
  }

  static Arguments bad(String name, String line, RejectReason reason, String mentions) {
    return Arguments.of(name, line, reason, mentions);
  }

  static Stream<Arguments> badRecords() {
    RejectReason mal = RejectReason.MALFORMED_JSON;
    RejectReason wrong = RejectReason.WRONG_TYPE;
    RejectReason imp = RejectReason.IMPOSSIBLE_VALUE;
    String acct = ",\"account_id\":\"a\"}";
    String ts = "{\"timestamp\":" + T;
    return Stream.of(
        bad("truncated after a value", OK, mal, "line"),
        bad(
            "truncated inside a string",
            "{\"timestamp\":" + T + ",\"account_id\":\"ac",
            mal,
            "line"),
        bad("truncated after a key", ts + ",\"account_id\":", mal, "line"),
        bad("trailing garbage", OK + "} x", mal, "line"),
        bad("two objects on one line", OK + "}" + OK + "}", mal, "after the JSON object"),
        bad("an array", "[" + OK + "}]", mal, "an array"),
        bad("a bare string", "\"hello\"", mal, "a string"),
        bad("a bare number", "42", mal, "an integer"),
        bad("JSON null as the whole line", "null", mal, "JSON null"),
        bad("empty line", "", mal, "empty"),
        bad("blank line", "   ", mal, "empty"),
        bad("trailing comma", OK + ",}", mal, "line"),
        bad("single quotes", "{'timestamp':" + T + "}", mal, "line"),
        bad("a comment", "/* c */" + OK + "}", mal, "line"),
        bad("unquoted key", "{timestamp:" + T + acct, mal, "line"),
        bad("NaN", OK + ",\"input_tokens\":NaN}", mal, "line"),
        bad("Infinity", OK + ",\"output_tokens\":Infinity}", mal, "line"),
        bad("-Infinity", OK + ",\"output_tokens\":-Infinity}", mal, "line"),
        bad("leading zeros", OK + ",\"input_tokens\":007}", mal, "line"),
        bad("raw null byte", OK + ",\"model\":\"m\u0000\"}", mal, "0x00"),
        bad("raw null byte outside strings", OK + "}\u0000", mal, "0x00"),
        bad("raw control character", OK + ",\u0001\"model\":\"m\"}", mal, "0x01"),
        bad("raw tab inside a string", OK + ",\"model\":\"a\tb\"}", mal, "line"),
        bad("invalid UTF-8: lone continuation", OK + ",\"model\":\"\u0080\"}", mal, "UTF-8"),
        bad(
            "invalid UTF-8: 0xFF",
            "{\"account_id\":\"\u00ff\",\"timestamp\":" + T + "}",
            mal,
            "UTF-8"),
        bad("invalid UTF-8: overlong slash", OK + ",\"model\":\"\u00c0\u00af\"}", mal, "UTF-8"),
        bad(
            "invalid UTF-8: encoded surrogate",
            OK + ",\"m\":\"\u00ed\u00a0\u0080\"}",
            mal,
            "UTF-8"),
        bad("invalid UTF-8: truncated sequence", OK + ",\"m\":\"\u00e6\u00bc\"}", mal, "UTF-8"),
        bad("invalid UTF-8 in an unknown key", OK + ",\"\u00fe\":1}", mal, "UTF-8"),
        bad("missing account_id", ts + "}", RejectReason.MISSING_FIELD, "account_id"),
        bad(
            "null account_id",
            ts + ",\"account_id\":null}",
            RejectReason.MISSING_FIELD,
            "account_id"),
        bad(
            "empty account_id",
            ts + ",\"account_id\":\"\"}",
            RejectReason.EMPTY_FIELD,
            "account_id"),
        bad(
            "blank account_id",
            ts + ",\"account_id\":\" \\t \"}",
            RejectReason.EMPTY_FIELD,
            "account_id"),
        bad("numeric account_id", ts + ",\"account_id\":42}", wrong, "account_id"),
        bad("object account_id", ts + ",\"account_id\":{\"id\":1}}", wrong, "account_id"),
        bad("array account_id", ts + ",\"account_id\":[\"a\"]}", wrong, "account_id"),
        bad("missing timestamp", "{\"account_id\":\"a\"}", RejectReason.MISSING_FIELD, "timestamp"),
        bad(
            "null timestamp",
            "{\"timestamp\":null" + acct,
            RejectReason.MISSING_FIELD,
            "timestamp"),
        bad("timestamp as boolean", "{\"timestamp\":true" + acct, wrong, "timestamp"),
        bad("timestamp as float", "{\"timestamp\":1.7768529E12" + acct, wrong, "timestamp"),
        bad("timestamp as prose", "{\"timestamp\":\"yesterday\"" + acct, wrong, "timestamp"),
        bad(
            "timestamp without offset",
            "{\"timestamp\":\"2026-04-22T10:15:30\"" + acct,
            wrong,
            "timestamp"),
        bad(
            "timestamp in 1999",
            "{\"timestamp\":\"1999-12-31T23:59:59Z\"" + acct,
            imp,
            "timestamp"),
        bad("negative timestamp", "{\"timestamp\":-1" + acct, imp, "timestamp"),
        bad(
            "timestamp far future",
            "{\"timestamp\":\"2100-01-01T00:00:00Z\"" + acct,
            imp,
            "timestamp"),
        bad(
            "timestamp beyond long",
            "{\"timestamp\":99999999999999999999" + acct,
            imp,
            "timestamp"),
        bad(
            "timestamp beyond epoch millis",
            "{\"timestamp\":\"+999999999-12-31T00:00:00Z\"" + acct,
            imp,
            "timestamp"),
        bad("input_tokens as string", OK + ",\"input_tokens\":\"12\"}", wrong, "input_tokens"),
        bad("output_tokens as float", OK + ",\"output_tokens\":12.5}", wrong, "output_tokens"),
        bad("output_tokens as 1.0", OK + ",\"output_tokens\":1.0}", wrong, "output_tokens"),
        bad("input_tokens as boolean", OK + ",\"input_tokens\":true}", wrong, "input_tokens"),
        bad(
            "output_tokens negative",
            OK + ",\"output_tokens\":-5}",
            imp,
            "output_tokens is negative (-5)"),
        bad("input_tokens absurd", OK + ",\"input_tokens\":10000001}", imp, "input_tokens"),
        bad(
            "input_tokens beyond long",
            OK + ",\"input_tokens\":123456789012345678901234}",
            imp,
            "input_tokens"),
        bad("tool_calls negative", OK + ",\"tool_calls\":-1}", imp, "tool_calls"),
        bad("tool_calls absurd", OK + ",\"tool_calls\":10001}", imp, "tool_calls"),
        bad("tool_calls as string", OK + ",\"tool_calls\":\"3\"}", wrong, "tool_calls"),
        bad("status 99", OK + ",\"status\":99}", imp, "status"),
        bad("status 600", OK + ",\"status\":600}", imp, "status"),
        bad("status as string", OK + ",\"status\":\"200\"}", wrong, "status"),
        bad("status as float", OK + ",\"status\":200.0}", wrong, "status"),
        bad(
            "reasoning_requested as string",
            OK + ",\"reasoning_requested\":\"true\"}",
            wrong,
            "reasoning_requested"),
        bad(
            "reasoning_requested as 1",
            OK + ",\"reasoning_requested\":1}",
            wrong,
            "reasoning_requested"),
        bad("category as number", OK + ",\"category\":3}", wrong, "category"),
        bad("model as number", OK + ",\"model\":3}", wrong, "model"),
        bad("org_id as array", OK + ",\"org_id\":[\"o\"]}", wrong, "org_id"),
        bad("prompt_hash as float", OK + ",\"prompt_hash\":1.5}", wrong, "prompt_hash"),
        bad("asn as boolean", OK + ",\"asn\":false}", wrong, "asn"),
        bad("asn negative", OK + ",\"asn\":-1}", imp, "asn"),
        bad(
            "user_agent too long",
            OK + ",\"user_agent\":\"" + "u".repeat(4097) + "\"}",
            imp,
            "user_agent"),
        bad("escaped null in account_id", ts + ",\"account_id\":\"a\\u0000b\"}", imp, "account_id"),
        bad("escaped newline in model", OK + ",\"model\":\"a\\nb\"}", imp, "model"),
        bad(
            "duplicate account_id",
            OK + ",\"account_id\":\"b\"}",
            RejectReason.DUPLICATE_FIELD,
            "account_id"),
        bad(
            "duplicate key in a nested unknown object",
            OK + ",\"x\":{\"k\":1,\"k\":2}}",
            RejectReason.DUPLICATE_FIELD,
            "k"),
        bad(
            "10,000 levels in an unknown field",
            OK + ",\"extra\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}",
            RejectReason.TOO_DEEP,
            "extra"),
        bad(
            "deep object in a known field",
            OK + ",\"model\":" + "{\"a\":".repeat(50) + "1" + "}".repeat(50) + "}",
            RejectReason.TOO_DEEP,
            "model"),
        bad(
            "unterminated deep nesting",
            OK + ",\"extra\":" + "[".repeat(10_000),
            RejectReason.TOO_DEEP,
            "extra"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRecords")
  void parse_badRecord_rejectedWithReasonNamingField(
      String name, String line, RejectReason reason, String mentions) {
    ExchangeParser p = parser();
    byte[] b = bytes(line);
    ParseResult r = p.parse(b, 0, b.length);
    assertFalse(r.isAccepted(), name);
    Rejection rej = r.rejection();
    assertEquals(reason, rej.reason(), rej::message);
    assertTrue(rej.message().contains(mentions), () -> "message: " + rej.message());
    assertThrows(IllegalStateException.class, r::exchange);
    assertEquals(1, p.rejected());
    assertEquals(1, p.rejected(reason));
    assertEquals(0, p.accepted());
    // The text form agrees wherever the bytes are valid UTF-8.
    String text = new String(b, StandardCharsets.UTF_8);
    if (Arrays.equals(text.getBytes(StandardCharsets.UTF_8), b)) {
      assertEquals(reason, p.parse(text).rejection().reason(), name);
    }
  }

  /**
   * The parser reads a line with only schema fields, each once, without jackson's duplicate
   * detection, and anything else again with it. Over the corpus and thousands of mutated lines
   * (fields repeated, added, nested, truncated, corrupted), every result and counter equals that of
   * a parser that reads every line with duplicate detection.
   */
  @Test
  void parse_anyLine_sameResultAsStrictOnlyParser() {
    ExchangeParser fast = parser();
    ExchangeParser strict =
        ExchangeParser.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).strictOnly().build();
    List<String> lines = new ArrayList<>();
    for (Arguments a : badRecords().toList()) {
      lines.add((String) a.get()[1]);
    }
    Random rnd = new Random(20261124L);
    String[] fields = {
      "timestamp",
      "account_id",
      "org_id",
      "ip",
      "asn",
      "user_agent",
      "payment_fingerprint",
      "model",
      "input_tokens",
      "output_tokens",
      "template_hash",
      "prompt_hash",
      "category",
      "reasoning_requested",
      "tool_calls",
      "status",
      "extra",
      "Model",
      "ip "
    };
    String[] values = {
      "1",
      "-3",
      "\"x\"",
      "\"\"",
      "null",
      "true",
      "1.5",
      "{}",
      "[]",
      "{\"k\":1,\"k\":2}",
      "{\"k\":1,\"j\":[1,{\"a\":null}]}",
      "[1,2,3]",
      "\"" + T + "\"",
      String.valueOf(T),
      "99999999999999999999999"
    };
    long ts = T - 3_600_000L;
    for (int i = 0; i < 4000; i++) {
      ts += rnd.nextInt(60_000);
      String json = ExchangeJson.toJson(randomExchange(rnd, ts));
      StringBuilder line = new StringBuilder(json);
      int edits = rnd.nextInt(4);
      for (int k = 0; k < edits && line.length() > 0; k++) {
        int at = line.indexOf(",", rnd.nextInt(line.length()));
        if (at < 0) {
          at = 1;
        } else {
          at++;
        }
        switch (rnd.nextInt(6)) {
          case 0, 1, 2 -> // a field (maybe a schema field again) with any value
              line.insert(
                  at,
                  "\""
                      + fields[rnd.nextInt(fields.length)]
                      + "\":"
                      + values[rnd.nextInt(values.length)]
                      + ",");
          case 3 -> line.setLength(rnd.nextInt(line.length())); // truncated
          case 4 ->
              line.insert(
                  rnd.nextInt(line.length()), String.valueOf("\",:{".charAt(rnd.nextInt(4))));
          default -> line.setCharAt(rnd.nextInt(line.length()), '"');
        }
      }
      lines.add(line.toString());
    }
    int fastRead = 0;
    for (String line : lines) {
      byte[] b = line.getBytes(StandardCharsets.UTF_8);
      ParseResult r = fast.parse(b, 0, b.length);
      ParseResult expected = strict.parse(b, 0, b.length);
      assertEquals(expected.isAccepted(), r.isAccepted(), line);
      if (r.isAccepted()) {
        assertEquals(expected.exchange(), r.exchange(), line);
        fastRead++;
      } else {
        assertEquals(expected.rejection(), r.rejection(), line);
      }
    }
    assertEquals(strict.accepted(), fast.accepted());
    for (RejectReason reason : RejectReason.values()) {
      assertEquals(strict.rejected(reason), fast.rejected(reason), reason::name);
    }
    assertEquals(strict.streamTime(), fast.streamTime());
    // The corpus exercises both reads: accepted lines, and each kind of rejection.
    assertTrue(fastRead > 500, "accepted " + fastRead);
    assertTrue(strict.rejected(RejectReason.DUPLICATE_FIELD) > 200);
    assertTrue(strict.rejected(RejectReason.MALFORMED_JSON) > 200);
    assertTrue(strict.rejected(RejectReason.WRONG_TYPE) > 50);
  }

  @Test
  void counters_wholeCorpusAndValidLines_balance() {
    ExchangeParser p = parser();
    List<Arguments> all = new ArrayList<>(badRecords().toList());
    int records = 0;
    for (Arguments a : all) {
      p.parse(bytes((String) a.get()[1]), 0, bytes((String) a.get()[1]).length);
      records++;
      accept(p, OK + "}");
      records++;
    }
    assertTrue(all.size() >= 30);
    assertEquals(records, p.records());
    assertEquals(all.size(), p.accepted());
    assertEquals(p.records(), p.accepted() + p.rejected());
    long sum = 0;
    for (RejectReason r : RejectReason.values()) {
      sum += p.rejected(r);
    }
    assertEquals(p.rejected(), sum);
    assertEquals(0, p.rejected(RejectReason.LATE));
  }

  @Test
  void parse_lineLongerThanMax_tooLongWithTruncatedRaw() {
    byte[] line = new byte[5 * 1024 * 1024];
    Arrays.fill(line, (byte) 'x');
    ParseResult r = parser().parse(line, 0, line.length);
    Rejection rej = r.rejection();
    assertEquals(RejectReason.TOO_LONG, rej.reason());
    assertTrue(rej.rawLine().endsWith("...(5242880 bytes)"), rej.rawLine());
    assertTrue(rej.rawLine().length() < 300);
    ExchangeParser small = ExchangeParser.builder().maxLineBytes(16).build();
    assertEquals(RejectReason.TOO_LONG, small.parse(OK + "}").rejection().reason());
    // Text form: counted in UTF-8 bytes (2 per \u00e9), without encoding the whole line.
    String text = "\u00e9".repeat(3 * 1024 * 1024);
    Rejection fromText = parser().parse(text).rejection();
    assertEquals(RejectReason.TOO_LONG, fromText.reason());
    assertTrue(fromText.rawLine().endsWith("...(6291456 bytes)"), fromText.rawLine());
    assertTrue(fromText.message().contains("6291456"), fromText.message());
    // Short in chars but long in bytes: found after encoding.
    String wide = "\u6f22".repeat(400_000);
    assertEquals(RejectReason.TOO_LONG, parser().parse(wide).rejection().reason());
  }

  @Test
  void rejectionJson_invalidUtf8AndNullByte_stillValidJson() throws Exception {
    ExchangeParser p = parser();
    byte[] b = bytes(OK + ",\"model\":\"\u00ff\u0000\"}");
    Rejection rej = p.parse(b, 0, b.length).rejection();
    String json = rej.toJson();
    assertTrue(json.startsWith("{\"reason\":\"malformed_json\",\"message\":\""), json);
    try (JsonParser jp = new JsonFactory().createParser(json)) {
      assertEquals(JsonToken.START_OBJECT, jp.nextToken());
      List<String> names = new ArrayList<>();
      String raw = null;
      while (jp.nextToken() == JsonToken.FIELD_NAME) {
        names.add(jp.currentName());
        jp.nextToken();
        if (jp.currentName().equals("raw")) {
          raw = jp.getText();
        }
      }
      assertEquals(List.of("reason", "message", "raw"), names);
      assertEquals(new String(b, StandardCharsets.UTF_8), raw);
      assertTrue(raw.contains("\uFFFD") && raw.contains("\u0000"), raw);
      assertNull(jp.nextToken());
    }
  }

  @Test
  void builder_badParameters_rejectedNamingTheBound() {
    assertThrows(IllegalArgumentException.class, () -> ExchangeParser.builder().maxDepth(0));
    assertThrows(IllegalArgumentException.class, () -> ExchangeParser.builder().maxLineBytes(1));
    assertThrows(
        IllegalArgumentException.class,
        () -> ExchangeParser.builder().maxFutureSkew(Duration.ofSeconds(-1)));
  }
}
