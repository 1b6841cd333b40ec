package io.distillwatch.core.io;

import java.util.Locale;

/**
 * Why an input record was not accepted. Every rejected record carries exactly one reason; the
 * parser reports the most fundamental problem first (see {@link ExchangeParser}).
 */
public enum RejectReason {
  /**
   * Not one valid JSON object: bad syntax, trailing content, not an object, NaN or Infinity,
   * invalid UTF-8, a raw null byte or control character.
   */
  MALFORMED_JSON,
  /** A required field ({@code account_id}, {@code timestamp}) is absent or JSON null. */
  MISSING_FIELD,
  /** {@code account_id} is empty or only whitespace. */
  EMPTY_FIELD,
  /** A known field holds the wrong JSON type, e.g. a token count as a string or a float. */
  WRONG_TYPE,
  /**
   * A well-typed value that cannot be true: negative or absurd counts, an HTTP status outside
   * 100..599, a timestamp before 2000 or too far in the future, an over-long text field.
   */
  IMPOSSIBLE_VALUE,
  /** The same key appears twice in one object. */
  DUPLICATE_FIELD,
  /** The line is longer than the configured maximum, in bytes; checked before parsing. */
  TOO_LONG,
  /** Objects or arrays nested deeper than the configured maximum. */
  TOO_DEEP,
  /**
   * Too late for event-time processing. Reserved for the stream layers; {@link ExchangeParser}
   * never uses it.
   */
  LATE;

  private static final RejectReason[] VALUES = values();

  /** The wire name: lower case, e.g. {@code "missing_field"}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name (case-insensitive); throws {@link IllegalArgumentException} if unknown. */
  public static RejectReason fromWireName(String name) {
    for (RejectReason r : VALUES) {
      if (r.name().equalsIgnoreCase(name)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown reject reason: " + name);
  }
}
