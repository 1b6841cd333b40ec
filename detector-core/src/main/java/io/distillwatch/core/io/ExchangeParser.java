package io.distillwatch.core.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Parses one JSON line of the input schema into an {@link Exchange}, or says precisely why not.
 *
 * <p>Contract: {@link #parse} never throws for bad input and never returns a half-filled exchange;
 * every line gives exactly one {@link ParseResult}, and the counters always balance: {@code
 * records() == accepted() + rejected()}, {@code rejected() == sum of rejected(reason)}.
 *
 * <p>Validation, in the order problems are reported:
 *
 * <ol>
 *   <li>{@link RejectReason#TOO_LONG}: more than {@code maxLineBytes} bytes, before any parsing.
 *   <li>{@link RejectReason#MALFORMED_JSON}: invalid UTF-8, a raw null byte or control character
 *       (tab, CR and LF excepted), any JSON syntax error, NaN/Infinity, a value other than one
 *       object, content after the object. A leading UTF-8 byte-order mark is ignored.
 *   <li>{@link RejectReason#TOO_DEEP} (nesting deeper than {@code maxDepth}, the line's object
 *       being depth 1) and {@link RejectReason#DUPLICATE_FIELD}, wherever they occur, also in
 *       unknown fields.
 *   <li>The first field problem in line order ({@link RejectReason#WRONG_TYPE}, {@link
 *       RejectReason#EMPTY_FIELD}, {@link RejectReason#IMPOSSIBLE_VALUE}). The rest of the line is
 *       still read, so a syntax error later in the line wins over a field problem.
 *   <li>{@link RejectReason#MISSING_FIELD}: {@code account_id} or {@code timestamp} absent or null.
 *   <li>Timestamp range ({@link RejectReason#IMPOSSIBLE_VALUE}): before 2000-01-01T00:00:00Z, or
 *       more than {@code maxFutureSkew} after the wall clock or after the stream time (the largest
 *       timestamp accepted so far).
 * </ol>
 *
 * <p>JSON null for an optional field means absent. Unknown fields are skipped, nested values
 * included, within the depth limit. Text fields longer than {@value #MAX_TEXT_CHARS} characters, or
 * holding an (escaped) control character, are impossible values.
 *
 * <p>Not thread-safe: a parser keeps the stream time and its counters. Use one per input stream (or
 * per thread); the {@link JsonFactory} inside is reused for every line.
 *
 * <p>Implementation notes: the line is first scanned once for control bytes and invalid UTF-8
 * (jackson validates UTF-8 only in the strings it decodes, not in skipped values; the scan also
 * keeps jackson's encoding detection from ever guessing UTF-16/32, which needs zero bytes). Nesting
 * is counted here rather than left to {@link StreamReadConstraints}, so that too-deep input gets
 * its own reason without matching exception messages; jackson's own limit is set one deeper as a
 * safety net. Skipping is iterative, so 10,000 levels of nesting cannot overflow the stack.
 *
 * <p>Duplicate keys: jackson's {@link StreamReadFeature#STRICT_DUPLICATE_DETECTION} finds them at
 * every level, but keeps a {@code HashSet} of names per object, which cost about a sixth of a
 * line's parse. Nearly every line has only schema fields, each once, and scalar values; such a line
 * is read without it, with the schema fields seen kept as bits. A line that has anything else (a
 * field outside the schema, a field twice, an object or array value), or that this first read
 * cannot read to its end (a syntax error, a structural problem), is read again from the start with
 * duplicate detection on, as every line was before. So the first read decides only lines without a
 * duplicate anywhere, where the strict read sees the same tokens, and both reads give the same
 * result for every line ({@code ExchangeParserTest} checks this against a strict-only parser over
 * thousands of mutated lines).
 *
 * <p>The {@link JsonFactory}'s buffers are recycled through a one-slot pool owned by the parser (a
 * parser is used by one thread), rather than jackson's default thread-local pool: a line is short,
 * and creating its jackson parser was as costly as reading it.
 */
public final class ExchangeParser {
  /** Default maximum line length: 1 MiB. */
  public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

  /** Default maximum nesting depth; the line's object is depth 1. */
  public static final int DEFAULT_MAX_DEPTH = 16;

  /** Default tolerance for timestamps ahead of the wall clock or the stream time. */
  public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofDays(1);

  /** Longest accepted text field, in characters. */
  public static final int MAX_TEXT_CHARS = 4096;

  /** Largest accepted token count per exchange (input or output). */
  public static final long MAX_TOKENS = 10_000_000L;

  /** Largest accepted number of tool calls per exchange. */
  public static final int MAX_TOOL_CALLS = 10_000;

  /** Earliest accepted timestamp, 2000-01-01T00:00:00Z in epoch millis. */
  public static final long MIN_TIMESTAMP = 946_684_800_000L;

  /** How many bytes of an over-long line a rejection keeps. */
  public static final int RAW_PREFIX_BYTES = 256;

  private static final long MAX_ASN = 0xFFFF_FFFFL;
  private static final int MESSAGE_VALUE_CHARS = 40;
  private static final RejectReason[] REASONS = RejectReason.values();

  private final Clock clock;
  private final int maxLineBytes;
  private final int maxDepth;
  private final long maxFutureSkewMillis;
  private final Duration maxFutureSkew;
  private final boolean strictOnly;
  private final JsonFactory factory;
  private final JsonFactory strictFactory;
  private final Problem strictReadNeeded;
  private final CharsetEncoder encoder;

  private boolean hasStreamTime;
  private long streamTime;
  private long accepted;
  private long rejected;
  private final long[] rejectedByReason = new long[REASONS.length];

  // The record being parsed; reset per line.
  private boolean hasTimestamp;
  private long timestamp;
  private String accountId;
  private String orgId;
  private String ip;
  private String asn;
  private String userAgent;
  private String paymentFingerprint;
  private String model;
  private long inputTokens;
  private long outputTokens;
  private String templateHash;
  private String promptHash;
  private Category category;
  private boolean reasoningRequested;
  private int toolCalls;
  private int status;

  private ExchangeParser(Builder b) {
    this.clock = b.clock;
    this.maxLineBytes = b.maxLineBytes;
    this.maxDepth = b.maxDepth;
    this.maxFutureSkew = b.maxFutureSkew;
    this.maxFutureSkewMillis = b.maxFutureSkew.toMillis();
    this.strictOnly = b.strictOnly;
    OneSlotPool buffers = new OneSlotPool();
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(maxDepth + 1).build())
            .recyclerPool(buffers)
            .build();
    this.strictFactory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(maxDepth + 1).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .recyclerPool(buffers)
            .build();
    this.strictReadNeeded =
        new Problem(RejectReason.MALFORMED_JSON, "(read again with duplicate detection)", true);
    this.encoder =
        StandardCharsets.UTF_8
            .newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  /** A builder with the defaults: system UTC clock, 1 MiB lines, depth 16, one day of skew. */
  public static Builder builder() {
    return new Builder();
  }

  /** Parses one line given as text (without its line terminator). */
  public ParseResult parse(String line) {
    Objects.requireNonNull(line, "line");
    if (line.length() > maxLineBytes) {
      // Every char is at least one UTF-8 byte: too long for sure, so don't encode it all.
      String prefix =
          replaceUnpairedSurrogates(
              line.substring(0, Math.min(line.length(), RAW_PREFIX_BYTES / 4)));
      return rejectTooLong(prefix, utf8Length(line));
    }
    ByteBuffer bytes;
    try {
      bytes = encoder.reset().encode(CharBuffer.wrap(line));
    } catch (CharacterCodingException e) {
      return reject(
          RejectReason.MALFORMED_JSON,
          "line contains an unpaired UTF-16 surrogate, which is not valid text",
          replaceUnpairedSurrogates(line));
    }
    return parse(bytes.array(), bytes.arrayOffset(), bytes.limit(), line);
  }

  /** Parses one line given as UTF-8 bytes (without its line terminator). */
  public ParseResult parse(byte[] utf8, int off, int len) {
    Objects.checkFromIndexSize(off, len, utf8.length);
    return parse(utf8, off, len, null);
  }

  private ParseResult parse(byte[] utf8, int off, int len, String rawText) {
    if (len > maxLineBytes) {
      return rejectTooLong(utf8, off, Math.min(len, RAW_PREFIX_BYTES), len);
    }
    int start = off;
    int count = len;
    if (count >= 3
        && utf8[start] == (byte) 0xEF
        && utf8[start + 1] == (byte) 0xBB
        && utf8[start + 2] == (byte) 0xBF) {
      start += 3;
      count -= 3;
    }
    int bad = Utf8.firstInvalid(utf8, start, count);
    if (bad >= 0) {
      int b = utf8[bad] & 0xFF;
      String what =
          b < 0x20
              ? String.format("a control character (0x%02X)", b)
              : String.format("invalid UTF-8 (byte 0x%02X)", b);
      return reject(
          RejectReason.MALFORMED_JSON,
          "line contains " + what + " at byte " + (bad - off),
          raw(rawText, utf8, off, len));
    }
    Problem problem = strictOnly ? strictReadNeeded : read(utf8, start, count, false);
    if (problem == strictReadNeeded) {
      problem = read(utf8, start, count, true);
    }
    if (problem == null) {
      problem = checkRequiredAndTime();
    }
    if (problem != null) {
      return reject(problem.reason, problem.getMessage(), raw(rawText, utf8, off, len));
    }
    Exchange e =
        new Exchange(
            timestamp,
            accountId,
            orgId,
            ip,
            asn,
            userAgent,
            paymentFingerprint,
            model,
            inputTokens,
            outputTokens,
            templateHash,
            promptHash,
            category,
            reasoningRequested,
            toolCalls,
            status);
    if (!hasStreamTime || timestamp > streamTime) {
      streamTime = timestamp;
      hasStreamTime = true;
    }
    accepted++;
    return new ParseResult.Accepted(e);
  }

  /**
   * Reads the whole line, with duplicate detection ({@code strict}) or without it; returns the
   * line's problem or null, or, reading without, {@link #strictReadNeeded} if the line must be read
   * again with it: it has more than schema fields with scalar values, each once, or could not be
   * read to its end.
   */
  private Problem read(byte[] utf8, int start, int count, boolean strict) {
    // Without duplicate detection, only a line read to its end is decided: jackson may report a
    // syntax error at a key that the strict read reports as a duplicate first.
    try (JsonParser p = (strict ? strictFactory : factory).createParser(utf8, start, count)) {
      return readRecord(p, strict);
    } catch (Problem structural) {
      return strict ? structural : strictReadNeeded;
    } catch (IOException e) {
      return strict ? unreadable(e) : strictReadNeeded;
    }
  }

  /** The problem of a line jackson could not read. */
  private static Problem unreadable(IOException e) {
    if (e instanceof StreamConstraintsException c) {
      return new Problem(RejectReason.IMPOSSIBLE_VALUE, "line " + c.getOriginalMessage());
    }
    if (e instanceof JsonProcessingException j) {
      return syntaxProblem(j);
    }
    // Reading from a byte array does no I/O; treat anything here as unreadable input.
    return new Problem(RejectReason.MALFORMED_JSON, "line is not valid JSON: " + e);
  }

  /**
   * Reads the whole line. Returns the first field problem (or null); throws a {@link Problem} for
   * structural problems that end reading, and jackson's exceptions for syntax errors. Not {@code
   * strict}, it throws {@link #strictReadNeeded} on the first key outside the schema or seen
   * before, or value that is an object or array.
   */
  private Problem readRecord(JsonParser p, boolean strict) throws IOException, Problem {
    resetRecord();
    int seen = 0;
    JsonToken t = p.nextToken();
    if (t == null) {
      return new Problem(RejectReason.MALFORMED_JSON, "line is empty, expected a JSON object");
    }
    if (t != JsonToken.START_OBJECT) {
      throw new Problem(
          RejectReason.MALFORMED_JSON, "line is " + describe(t) + ", expected a JSON object");
    }
    Problem first = null;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (!strict) {
        // Before the value is read: that is where the strict read reports a duplicate.
        int bit = schemaBit(name);
        if (bit == 0 || (seen & bit) != 0) {
          throw strictReadNeeded;
        }
        seen |= bit;
      }
      JsonToken v = p.nextToken();
      if (!strict && v != null && v.isStructStart()) {
        throw strictReadNeeded; // its keys need duplicate detection
      }
      try {
        readField(p, name, v);
      } catch (Problem fieldProblem) {
        if (fieldProblem.structural) {
          throw fieldProblem;
        }
        if (first == null) {
          first = fieldProblem;
        }
      }
    }
    if (t != JsonToken.END_OBJECT) {
      throw new Problem(RejectReason.MALFORMED_JSON, "line ends inside the JSON object");
    }
    JsonToken after = p.nextToken();
    if (after != null) {
      throw new Problem(
          RejectReason.MALFORMED_JSON, "line has " + describe(after) + " after the JSON object");
    }
    return first;
  }

  /** A bit of its own for each field of the schema, 0 for any other name. */
  private static int schemaBit(String name) {
    return switch (name) {
      case "timestamp" -> 1;
      case "account_id" -> 1 << 1;
      case "org_id" -> 1 << 2;
      case "ip" -> 1 << 3;
      case "asn" -> 1 << 4;
      case "user_agent" -> 1 << 5;
      case "payment_fingerprint" -> 1 << 6;
      case "model" -> 1 << 7;
      case "input_tokens" -> 1 << 8;
      case "output_tokens" -> 1 << 9;
      case "template_hash" -> 1 << 10;
      case "prompt_hash" -> 1 << 11;
      case "category" -> 1 << 12;
      case "reasoning_requested" -> 1 << 13;
      case "tool_calls" -> 1 << 14;
      case "status" -> 1 << 15;
      default -> 0;
    };
  }

  /** Reads one field's value, leaving the parser on the value's last token. */
  private void readField(JsonParser p, String name, JsonToken v) throws IOException, Problem {
    if (v == null) {
      throw new Problem(RejectReason.MALFORMED_JSON, "line ends after the key " + name);
    }
    if (v == JsonToken.VALUE_NULL) {
      return; // absent; a missing required field is reported after the whole line is read
    }
    switch (name) {
      case "timestamp" -> readTimestamp(p, v);
      case "account_id" -> {
        if (v != JsonToken.VALUE_STRING) {
          throw wrongType(p, v, name, "a string");
        }
        String s = p.getText();
        if (s.isEmpty()) {
          throw new Problem(RejectReason.EMPTY_FIELD, "account_id is empty");
        }
        if (s.isBlank()) {
          throw new Problem(RejectReason.EMPTY_FIELD, "account_id is blank (only whitespace)");
        }
        accountId = checkText(s, name);
      }
      case "org_id" -> orgId = text(p, v, name);
      case "ip" -> ip = text(p, v, name);
      case "asn" -> asn = asn(p, v);
      case "user_agent" -> userAgent = text(p, v, name);
      case "payment_fingerprint" -> paymentFingerprint = text(p, v, name);
      case "model" -> model = text(p, v, name);
      case "input_tokens" -> inputTokens = count(p, v, name, MAX_TOKENS);
      case "output_tokens" -> outputTokens = count(p, v, name, MAX_TOKENS);
      case "template_hash" -> templateHash = hash(p, v, name);
      case "prompt_hash" -> promptHash = hash(p, v, name);
      case "category" -> category = Category.fromWireName(text(p, v, name));
      case "reasoning_requested" -> {
        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
          throw wrongType(p, v, name, "a boolean");
        }
        reasoningRequested = v == JsonToken.VALUE_TRUE;
      }
      case "tool_calls" -> toolCalls = (int) count(p, v, name, MAX_TOOL_CALLS);
      case "status" -> {
        long s = integer(p, v, name);
        if (s < 100 || s > 599) {
          throw new Problem(
              RejectReason.IMPOSSIBLE_VALUE, "status " + s + " is not an HTTP status (100..599)");
        }
        status = (int) s;
      }
      default -> skipValue(p, v, name);
    }
  }

  private void readTimestamp(JsonParser p, JsonToken v) throws IOException, Problem {
    if (v == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new Problem(
            RejectReason.IMPOSSIBLE_VALUE,
            "timestamp " + shorten(p.getText()) + " is out of range for epoch milliseconds");
      }
      timestamp = p.getLongValue();
    } else if (v == JsonToken.VALUE_STRING) {
      String s = p.getText();
      try {
        timestamp =
            OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                .toInstant()
                .toEpochMilli();
      } catch (ArithmeticException e) {
        throw new Problem(
            RejectReason.IMPOSSIBLE_VALUE,
            "timestamp \"" + shorten(s) + "\" is out of range for epoch milliseconds");
      } catch (DateTimeException e) {
        throw new Problem(
            RejectReason.WRONG_TYPE,
            "timestamp \""
                + shorten(s)
                + "\" is not an ISO-8601 date-time with offset, e.g. 2026-04-22T10:15:30Z");
      }
    } else {
      throw wrongType(p, v, "timestamp", "epoch milliseconds or an ISO-8601 string");
    }
    hasTimestamp = true;
  }

  private Problem checkRequiredAndTime() {
    if (accountId == null) {
      return new Problem(RejectReason.MISSING_FIELD, "account_id is missing or null");
    }
    if (!hasTimestamp) {
      return new Problem(RejectReason.MISSING_FIELD, "timestamp is missing or null");
    }
    if (timestamp < MIN_TIMESTAMP) {
      return new Problem(
          RejectReason.IMPOSSIBLE_VALUE,
          "timestamp " + instant(timestamp) + " is before 2000-01-01T00:00:00Z");
    }
    long wall = clock.millis();
    if (timestamp - wall > maxFutureSkewMillis) {
      return new Problem(
          RejectReason.IMPOSSIBLE_VALUE,
          "timestamp "
              + instant(timestamp)
              + " is more than "
              + maxFutureSkew
              + " after the wall clock ("
              + instant(wall)
              + ")");
    }
    if (hasStreamTime && timestamp - streamTime > maxFutureSkewMillis) {
      return new Problem(
          RejectReason.IMPOSSIBLE_VALUE,
          "timestamp "
              + instant(timestamp)
              + " is more than "
              + maxFutureSkew
              + " after the stream time ("
              + instant(streamTime)
              + ")");
    }
    return null;
  }

  private String text(JsonParser p, JsonToken v, String field) throws IOException, Problem {
    if (v != JsonToken.VALUE_STRING) {
      throw wrongType(p, v, field, "a string");
    }
    return checkText(p.getText(), field);
  }

  private static String checkText(String s, String field) throws Problem {
    if (s.length() > MAX_TEXT_CHARS) {
      throw new Problem(
          RejectReason.IMPOSSIBLE_VALUE,
          field + " is longer than " + MAX_TEXT_CHARS + " characters (" + s.length() + ")");
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        throw new Problem(
            RejectReason.IMPOSSIBLE_VALUE,
            field + " contains a control character (" + String.format("U+%04X", (int) c) + ")");
      }
      if (Character.isSurrogate(c)) {
        // An escaped surrogate (a JSON escape such as \\uD800) is valid JSON but not text unless
        // it is half of a pair; kept, it would reach alerts as text UTF-8 cannot carry: a writer
        // fails on it or puts '?' in its place, naming another account.
        if (Character.isHighSurrogate(c)
            && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          throw new Problem(
              RejectReason.IMPOSSIBLE_VALUE,
              field
                  + " contains an unpaired surrogate ("
                  + String.format("\\u%04X", (int) c)
                  + "), which is not text");
        }
      }
    }
    return s;
  }

  /** A string kept as given, or a non-negative integer as {@code "AS<n>"}. */
  private String asn(JsonParser p, JsonToken v) throws IOException, Problem {
    if (v == JsonToken.VALUE_STRING) {
      return checkText(p.getText(), "asn");
    }
    if (v != JsonToken.VALUE_NUMBER_INT) {
      throw wrongType(p, v, "asn", "a string or an integer");
    }
    BigInteger n = p.getBigIntegerValue();
    if (n.signum() < 0 || n.compareTo(BigInteger.valueOf(MAX_ASN)) > 0) {
      throw new Problem(
          RejectReason.IMPOSSIBLE_VALUE,
          "asn " + shorten(n.toString()) + " is not an AS number (0.." + MAX_ASN + ")");
    }
    return "AS" + n;
  }

  /** A string, or an integer kept as its decimal text. */
  private String hash(JsonParser p, JsonToken v, String field) throws IOException, Problem {
    if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT) {
      return checkText(p.getText(), field);
    }
    throw wrongType(p, v, field, "a string or an integer");
  }

  private long count(JsonParser p, JsonToken v, String field, long max)
      throws IOException, Problem {
    long n = integer(p, v, field);
    if (n < 0) {
      throw new Problem(RejectReason.IMPOSSIBLE_VALUE, field + " is negative (" + n + ")");
    }
    if (n > max) {
      throw new Problem(
          RejectReason.IMPOSSIBLE_VALUE, field + " is " + n + ", more than the maximum " + max);
    }
    return n;
  }

  /** A JSON integer that fits in a long; larger integers are impossible values. */
  private long integer(JsonParser p, JsonToken v, String field) throws IOException, Problem {
    if (v != JsonToken.VALUE_NUMBER_INT) {
      throw wrongType(p, v, field, "an integer");
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw new Problem(
          RejectReason.IMPOSSIBLE_VALUE, field + " is out of range (" + shorten(p.getText()) + ")");
    }
    return p.getLongValue();
  }

  private Problem wrongType(JsonParser p, JsonToken v, String field, String expected)
      throws IOException, Problem {
    String got = describe(v);
    if (v.isScalarValue()) {
      got += " (" + shorten(p.getText()) + ")";
    }
    skipValue(p, v, field);
    return new Problem(RejectReason.WRONG_TYPE, field + " must be " + expected + ", got " + got);
  }

  /**
   * Skips the value starting at {@code v}, counting depth so that over-deep input is reported
   * before jackson's own (one deeper) limit is hit. The parser is on a field's value, so the value
   * itself is at depth 2.
   */
  private void skipValue(JsonParser p, JsonToken v, String field) throws IOException, Problem {
    if (!v.isStructStart()) {
      return;
    }
    int depth = 2;
    checkDepth(depth, field);
    int open = 1;
    while (open > 0) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new Problem(RejectReason.MALFORMED_JSON, "line ends inside a nested value");
      }
      if (t.isStructStart()) {
        open++;
        checkDepth(depth + open - 1, field);
      } else if (t.isStructEnd()) {
        open--;
      }
    }
  }

  private void checkDepth(int depth, String field) throws Problem {
    if (depth > maxDepth) {
      throw new Problem(
          RejectReason.TOO_DEEP,
          "field " + field + " nests deeper than the maximum depth " + maxDepth,
          true);
    }
  }

  private static Problem syntaxProblem(JsonProcessingException e) {
    String msg = e.getOriginalMessage();
    if (msg != null && msg.startsWith("Duplicate field '")) {
      int end = msg.lastIndexOf('\'');
      String name = end > 17 ? msg.substring(17, end) : "?";
      return new Problem(RejectReason.DUPLICATE_FIELD, "field " + name + " appears more than once");
    }
    String where = "";
    if (e.getLocation() != null && e.getLocation().getColumnNr() > 0) {
      where = " at column " + e.getLocation().getColumnNr();
    }
    String first = msg == null ? "syntax error" : msg.lines().findFirst().orElse(msg);
    // Drop jackson's hints that point at its own configuration; they mean nothing to a user.
    for (String noise : new String[] {" (start marker at", ": enable `"}) {
      int cut = first.indexOf(noise);
      if (cut > 0) {
        first = first.substring(0, cut);
      }
    }
    return new Problem(
        RejectReason.MALFORMED_JSON, "line is not valid JSON" + where + ": " + first);
  }

  private static String describe(JsonToken t) {
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a float";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "JSON null";
      default -> t.name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static String shorten(String s) {
    return s.length() <= MESSAGE_VALUE_CHARS ? s : s.substring(0, MESSAGE_VALUE_CHARS) + "...";
  }

  private static String instant(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }

  private void resetRecord() {
    hasTimestamp = false;
    timestamp = 0;
    accountId = null;
    orgId = null;
    ip = null;
    asn = null;
    userAgent = null;
    paymentFingerprint = null;
    model = null;
    inputTokens = 0;
    outputTokens = 0;
    templateHash = null;
    promptHash = null;
    category = Category.OTHER;
    reasoningRequested = false;
    toolCalls = 0;
    status = 0;
  }

  /**
   * Rejects a line of {@code totalBytes} bytes as {@link RejectReason#TOO_LONG}, keeping at most
   * {@link #RAW_PREFIX_BYTES} of its first {@code prefixLen} bytes (from {@code off}) as the raw
   * text; for readers that skip the rest of a long line without buffering it (see {@link
   * LineFramer#tooLong}). Counted as a rejection, as {@link #parse} counts one.
   */
  public ParseResult rejectTooLong(byte[] prefix, int off, int prefixLen, long totalBytes) {
    return rejectTooLong(
        new String(prefix, off, Math.min(prefixLen, RAW_PREFIX_BYTES), StandardCharsets.UTF_8),
        totalBytes);
  }

  private ParseResult rejectTooLong(String prefix, long totalBytes) {
    return reject(
        RejectReason.TOO_LONG,
        "line is " + totalBytes + " bytes, longer than the maximum " + maxLineBytes,
        prefix + "...(" + totalBytes + " bytes)");
  }

  /** UTF-8 length of the text, an unpaired surrogate counting as its 3-byte replacement. */
  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private ParseResult reject(RejectReason reason, String message, String raw) {
    rejected++;
    rejectedByReason[reason.ordinal()]++;
    return new ParseResult.Rejected(new Rejection(reason, message, raw));
  }

  private static String raw(String rawText, byte[] utf8, int off, int len) {
    return rawText != null ? rawText : new String(utf8, off, len, StandardCharsets.UTF_8);
  }

  private static String replaceUnpairedSurrogates(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        sb.append('\uFFFD');
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Lines parsed so far: accepted plus rejected. */
  public long records() {
    return accepted + rejected;
  }

  /** Lines accepted so far. */
  public long accepted() {
    return accepted;
  }

  /** Lines rejected so far, for any reason. */
  public long rejected() {
    return rejected;
  }

  /** Lines rejected so far for the given reason. */
  public long rejected(RejectReason reason) {
    return rejectedByReason[reason.ordinal()];
  }

  /** The largest timestamp accepted so far, or {@link Long#MIN_VALUE} if none. */
  public long streamTime() {
    return hasStreamTime ? streamTime : Long.MIN_VALUE;
  }

  /** The maximum line length in bytes. */
  public int maxLineBytes() {
    return maxLineBytes;
  }

  /** A field problem (or, if {@code structural}, a problem that ends reading the line). */
  private static final class Problem extends Exception {
    private static final long serialVersionUID = 1L;
    final RejectReason reason;
    final boolean structural;

    Problem(RejectReason reason, String message) {
      this(reason, message, reason == RejectReason.MALFORMED_JSON);
    }

    Problem(RejectReason reason, String message, boolean structural) {
      super(message, null, false, false); // rejections are data, not bugs: no stack trace
      this.reason = reason;
      this.structural = structural;
    }
  }

  /**
   * Jackson's buffer pool for one parser's factories: the buffers of the line read last. Not
   * thread-safe, as the parser is not.
   */
  private static final class OneSlotPool implements RecyclerPool<BufferRecycler> {
    private static final long serialVersionUID = 1L;
    private transient BufferRecycler free;

    @Override
    public BufferRecycler acquirePooled() {
      BufferRecycler r = free;
      if (r == null) {
        return new BufferRecycler();
      }
      free = null;
      return r;
    }

    @Override
    public void releasePooled(BufferRecycler r) {
      free = r;
    }
  }

  /** Configures an {@link ExchangeParser}. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;
    private int maxDepth = DEFAULT_MAX_DEPTH;
    private Duration maxFutureSkew = DEFAULT_MAX_FUTURE_SKEW;
    private boolean strictOnly;

    private Builder() {}

    /**
     * Reads every line with jackson's duplicate detection, as the parser did before its schema-only
     * first read: the reference the tests compare the parser with.
     */
    Builder strictOnly() {
      this.strictOnly = true;
      return this;
    }

    /** Wall clock for the future-timestamp check; default {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Maximum line length in bytes, {@code >= 2}; default 1 MiB. */
    public Builder maxLineBytes(int maxLineBytes) {
      if (maxLineBytes < 2) {
        throw new IllegalArgumentException("maxLineBytes must be >= 2, got " + maxLineBytes);
      }
      this.maxLineBytes = maxLineBytes;
      return this;
    }

    /** Maximum nesting depth, the line's object being depth 1; {@code 1..1000}, default 16. */
    public Builder maxDepth(int maxDepth) {
      if (maxDepth < 1 || maxDepth > 1000) {
        throw new IllegalArgumentException("maxDepth must be in 1..1000, got " + maxDepth);
      }
      this.maxDepth = maxDepth;
      return this;
    }

    /** How far a timestamp may be ahead of the wall clock or stream time; default one day. */
    public Builder maxFutureSkew(Duration maxFutureSkew) {
      Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
      if (maxFutureSkew.isNegative()) {
        throw new IllegalArgumentException("maxFutureSkew must be >= 0, got " + maxFutureSkew);
      }
      this.maxFutureSkew = maxFutureSkew;
      return this;
    }

    public ExchangeParser build() {
      return new ExchangeParser(this);
    }
  }
}
