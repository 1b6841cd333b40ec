package io.distillwatch.core.io;

import java.util.Objects;

/**
 * The outcome of parsing one input line: either an {@link Accepted} exchange or a {@link Rejected}
 * record with its {@link Rejection}; never both, never a half-filled exchange.
 */
public sealed interface ParseResult permits ParseResult.Accepted, ParseResult.Rejected {

  /** Whether the line gave a valid exchange. */
  boolean isAccepted();

  /** The exchange; throws {@link IllegalStateException} if the line was rejected. */
  Exchange exchange();

  /** The rejection; throws {@link IllegalStateException} if the line was accepted. */
  Rejection rejection();

  /** A valid exchange. */
  record Accepted(Exchange exchange) implements ParseResult {
    public Accepted {
      Objects.requireNonNull(exchange, "exchange");
    }

    @Override
    public boolean isAccepted() {
      return true;
    }

    @Override
    public Rejection rejection() {
      throw new IllegalStateException("record was accepted");
    }
  }

  /** A rejected record. */
  record Rejected(Rejection rejection) implements ParseResult {
    public Rejected {
      Objects.requireNonNull(rejection, "rejection");
    }

    @Override
    public boolean isAccepted() {
      return false;
    }

    @Override
    public Exchange exchange() {
      throw new IllegalStateException(
          "record was rejected (" + rejection.reason().wireName() + "): " + rejection.message());
    }
  }
}
