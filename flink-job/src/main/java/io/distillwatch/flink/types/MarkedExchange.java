package io.distillwatch.flink.types;

import io.distillwatch.core.io.Exchange;

/**
 * An exchange on its way into the account stage, still encoded, with the prompt stage's verdict:
 * whether its prompt was new to the population. {@code PairMarks} makes it from the exchange and
 * the verdict, which reach the account's subtask by two paths, and hands it to the account stage
 * chained to it.
 */
public record MarkedExchange(EncodedExchange encoded, boolean novelPrompt) {
  public MarkedExchange {
    if (encoded == null) {
      throw new IllegalArgumentException("a marked exchange needs an exchange");
    }
  }

  /** {@code e}, encoded, with the verdict. */
  public static MarkedExchange of(Exchange e, boolean novelPrompt) {
    return new MarkedExchange(EncodedExchange.of(e), novelPrompt);
  }

  /** The exchange, decoded. */
  public Exchange exchange() {
    return encoded.exchange();
  }
}
