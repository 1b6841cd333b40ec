package io.distillwatch.core.sketch;

/**
 * Thrown by the {@code fromBytes} methods when bytes are not a valid serialized sketch of the
 * requested family: wrong family, unsupported version, wrong length, bad checksum, or a value out
 * of range. The message says which.
 */
public final class SketchFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SketchFormatException(String message) {
    super(message);
  }
}
