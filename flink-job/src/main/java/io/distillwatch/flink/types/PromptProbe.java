package io.distillwatch.flink.types;

import io.distillwatch.core.detect.PromptStage;
import io.distillwatch.core.io.Exchange;

/**
 * What the prompt stage needs of an exchange, and no more: its route (which prompt-stage subtask,
 * {@link PromptStage#route}), its prompt key (what the novelty filter remembers, {@link
 * PromptStage#promptKey}), and where to send the verdict: the exchange's account key and sequence
 * (see {@link SequencedExchange}). The exchange itself goes to the account stage directly.
 */
public record PromptProbe(long route, long promptKey, int accountKey, long sequence) {
  /** The probe of {@code e}, encoded as {@code encoded}, at {@code sequence}. */
  public static PromptProbe of(Exchange e, EncodedExchange encoded, long sequence) {
    return new PromptProbe(
        encoded.route(), encoded.promptKey(), e.accountId().hashCode(), sequence);
  }
}
