package io.distillwatch.flink.types;

import io.distillwatch.core.io.Exchange;

/**
 * An exchange on its way from the source to the account stage, encoded once, with its place in its
 * source subtask's output ({@code sequence}) and its account key: the prompt stage's verdict on it
 * comes back by another path ({@link NoveltyMark}) carrying the same sequence and account key, and
 * the account stage pairs the two.
 *
 * @param accountKey {@code accountId.hashCode()}. Keyed by it, as an {@code Integer}, a record goes
 *     to the subtask {@code keyBy(account_id)} sends the exchange to, since Flink places a key by
 *     its {@code hashCode()}; it saves decoding the account id to route the exchange and its
 *     verdict
 */
public record SequencedExchange(EncodedExchange encoded, long sequence, int accountKey) {
  public SequencedExchange {
    if (encoded == null) {
      throw new IllegalArgumentException("a sequenced exchange needs an exchange");
    }
  }

  /** {@code e}, encoded, at {@code sequence}. */
  public static SequencedExchange of(Exchange e, long sequence) {
    return new SequencedExchange(EncodedExchange.of(e), sequence, e.accountId().hashCode());
  }
}
