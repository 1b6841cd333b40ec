package io.distillwatch.core.io;

import java.util.Locale;

/**
 * Capability a prompt asks for, as labelled by the gateway. Anything the gateway sends that is not
 * one of these names counts as {@link #OTHER}.
 */
public enum Category {
  CODING,
  AGENTIC,
  REASONING,
  CHAT,
  CREATIVE,
  ANALYSIS,
  OTHER;

  private static final Category[] VALUES = values();

  /** The wire name: lower case, as in the input schema. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether a distiller most wants this capability (coding, agentic work, reasoning); tool use is
   * carried separately by {@link Exchange#toolCalls()}.
   */
  public boolean highValue() {
    return this == CODING || this == AGENTIC || this == REASONING;
  }

  /** Parses a wire name, case-insensitively; unknown or null names give {@link #OTHER}. */
  public static Category fromWireName(String name) {
    if (name == null) {
      return OTHER;
    }
    for (Category c : VALUES) {
      if (c.name().equalsIgnoreCase(name)) {
        return c;
      }
    }
    return OTHER;
  }

  /** The category with the given ordinal. */
  public static Category ofOrdinal(int ordinal) {
    return VALUES[ordinal];
  }
}
