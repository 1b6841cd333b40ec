package io.distillwatch.flink.types;

import io.distillwatch.core.io.ExchangeCodec;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link MarkedExchange}: form version 1 is a boolean (novel prompt), then the exchange in {@link
 * ExchangeCodec}'s form {@code 1}. When the exchange form changes, this version follows. Immutable:
 * never copied.
 */
public final class MarkedExchangeSerializer extends FormSerializer<MarkedExchange> {
  private static final long serialVersionUID = 1L;

  /** Version of the form; 1 holds exchange form 1. */
  public static final int VERSION = 1;

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
  public boolean isImmutableType() {
    return true;
  }

  @Override
  protected void write(MarkedExchange value, DataOutputView out) throws IOException {
    out.writeBoolean(value.novelPrompt());
    ExchangeCodec.write(value.exchange(), out);
  }

  @Override
  protected MarkedExchange read(DataInputView in, int version) throws IOException {
    if (version != VERSION) {
      throw new IOException("marked exchange form version " + version + " unknown");
    }
    boolean novel = in.readBoolean();
    return new MarkedExchange(ExchangeCodec.read(in, 1), novel);
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
