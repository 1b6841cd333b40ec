package io.distillwatch.flink.types;

import io.distillwatch.core.io.ExchangeCodec;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link MarkedExchange}: form version 2 is a boolean (novel prompt), then the exchange in {@link
 * EncodedExchangeSerializer}'s form {@code 1}. Version 1 (read still) had the exchange in {@link
 * ExchangeCodec}'s form {@code 1} after the boolean. When the exchange form changes, this version
 * follows. Network only. Immutable: never copied.
 */
public final class MarkedExchangeSerializer extends FormSerializer<MarkedExchange> {
  private static final long serialVersionUID = 1L;

  /** Version of the form; 2 holds encoded exchange form 1. */
  public static final int VERSION = 2;

  public MarkedExchangeSerializer() {
    this(VERSION);
  }

  private MarkedExchangeSerializer(int readVersion) {
    super(readVersion);
  }

  @Override
  public int currentVersion() {
    return VERSION;
  }

  @Override
  public int oldestReadableVersion() {
    return 1;
  }

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  protected void write(MarkedExchange value, DataOutputView out) throws IOException {
    out.writeBoolean(value.novelPrompt());
    EncodedExchangeSerializer.writeForm(value.encoded(), out);
  }

  @Override
  protected MarkedExchange read(DataInputView in, int version) throws IOException {
    if (version == VERSION) {
      boolean novel = in.readBoolean();
      return new MarkedExchange(EncodedExchangeSerializer.readForm(in), novel);
    }
    if (version == 1) {
      boolean novel = in.readBoolean();
      return MarkedExchange.of(ExchangeCodec.read(in, 1), novel);
    }
    throw new IOException("marked exchange form version " + version + " unknown");
  }

  @Override
  protected FormSerializer<MarkedExchange> readingVersion(int version) {
    return new MarkedExchangeSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<MarkedExchange> newSnapshot() {
    return new Snapshot();
  }

  /** Records the marked exchange form version. */
  public static final class Snapshot extends FormSerializerSnapshot<MarkedExchange> {
    public Snapshot() {
      super(MarkedExchangeSerializer::new);
    }
  }
}
