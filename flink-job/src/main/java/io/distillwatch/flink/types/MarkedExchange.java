package io.distillwatch.flink.types;

import io.distillwatch.core.io.Exchange;

/**
 * An exchange on its way from the prompt stage to the account stage, with the prompt stage's
 * verdict: whether its prompt was new to the population.
 */
public record MarkedExchange(Exchange exchange, boolean novelPrompt) {
  public MarkedExchange {
    if (exchange == null) {
      throw new IllegalArgumentException("a marked exchange needs an exchange");
    }
  }
}
