package io.distillwatch.core.detect;

import java.io.IOException;

/**
 * Thrown by {@link ExtractionDetector#restore} when the input is not a complete, intact detector
 * snapshot: bad magic, unsupported format version, a section truncated or out of order, a count or
 * value out of range, or a checksum mismatch. The message names which, and the section.
 */
public final class SnapshotFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public SnapshotFormatException(String message) {
    super(message);
  }

  public SnapshotFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
