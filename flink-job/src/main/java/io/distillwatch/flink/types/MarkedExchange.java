package io.distillwatch.flink.types;

import io.distillwatch.core.io.Exchange;

/**
 * An exchange on its way from the prompt stage to the account stage, still encoded, with the prompt
 * stage's verdict: whether its prompt was new to the population.
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
