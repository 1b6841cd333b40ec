package io.distillwatch.examples.cli;

import io.distillwatch.examples.generate.TraceGenerator;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A trace start as {@code generate} and {@code sweep} take it: {@code default} (the generator's, a
 * week before the largest campaign) or an ISO instant, so a value that one accepts the other does
 * too.
 */
final class StartOption {
  /** The start value meaning the generator's default. */
  static final String DEFAULT = "default";

  private StartOption() {}

  /**
   * @throws IllegalArgumentException naming the value, if it is neither {@code default} nor an ISO
   *     instant
   */
  static Instant parse(String start) {
    if (start.equalsIgnoreCase(DEFAULT)) {
      return TraceGenerator.DEFAULT_START;
    }
    try {
      return Instant.parse(start);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "start '"
              + start
              + "' is neither 'default' nor an ISO instant such as"
              + " 2026-04-22T00:00:00Z",
          e);
    }
  }

  /** {@link #parse} for picocli, which reports the message with the option's name. */
  static final class Converter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
