package io.distillwatch.flink.types;

import io.distillwatch.core.detect.PromptStage;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * An exchange as bytes ({@link ExchangeCodec#encode}), with the two keys the prompt stage needs:
 * the route (which prompt-stage subtask) and the prompt key (what its novelty filter remembers),
 * which go to the prompt stage in a {@link PromptProbe}. The bytes go to the account stage, which
 * alone decodes them. Immutable: the body is never changed after construction.
 *
 * <p>Implementation notes. Until stop 30 every exchange crossed two shuffles, by prompt and then by
 * account, and the prompt stage passed the bytes on undecoded: decoding and re-encoding the
 * exchange's strings there, where none is looked at, had been most of that stage's cost. Now the
 * exchange crosses one shuffle and a probe the other; the body is still encoded once, at the
 * source.
 */
public final class EncodedExchange {
  private final long route;
  private final long promptKey;
  private final byte[] body;

  /** Use {@link #of}; this takes the parts as they are (the serializer's reader). */
  EncodedExchange(long route, long promptKey, byte[] body) {
    if (body == null) {
      throw new IllegalArgumentException("an encoded exchange needs a body");
    }
    this.route = route;
    this.promptKey = promptKey;
    this.body = body;
  }

  /** Encodes {@code e} with detector-core's prompt key and route. */
  public static EncodedExchange of(Exchange e) {
    long promptKey = PromptStage.promptKey(e);
    return new EncodedExchange(PromptStage.route(e, promptKey), promptKey, ExchangeCodec.encode(e));
  }

  /** The prompt-stage key: {@link PromptStage#route(Exchange)}. */
  public long route() {
    return route;
  }

  /** {@link PromptStage#promptKey}: 0 for an exchange without a prompt hash. */
  public long promptKey() {
    return promptKey;
  }

  /** Bytes of the body; shared, not to be changed. */
  byte[] body() {
    return body;
  }

  /** The exchange, decoded. */
  public Exchange exchange() {
    try {
      return ExchangeCodec.decode(body);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt encoded exchange", e); // only ever our own bytes
    }
  }

  /** The account id, decoded alone. */
  public String accountId() {
    try {
      return ExchangeCodec.accountIdOf(body);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt encoded exchange", e);
    }
  }

  /** The event time, read alone. */
  public long timestamp() {
    try {
      return ExchangeCodec.timestampOf(body);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt encoded exchange", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedExchange x
        && x.route == route
        && x.promptKey == promptKey
        && Arrays.equals(x.body, body);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(route) * 31 + Arrays.hashCode(body);
  }

  @Override
  public String toString() {
    return "EncodedExchange[" + exchange() + "]";
  }
}
