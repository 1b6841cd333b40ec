package io.distillwatch.flink.types;

import io.distillwatch.core.io.ExchangeCodec;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link EncodedExchange}: form version 1 is long route, long prompt key, int body length, then the
 * body in {@link ExchangeCodec}'s form {@code 1}. When the exchange form changes, this version
 * follows. Network only (no state holds it). Immutable: never copied.
 */
public final class EncodedExchangeSerializer extends FormSerializer<EncodedExchange> {
  private static final long serialVersionUID = 1L;

  /** Version of the form; 1 holds exchange form 1. */
  public static final int VERSION = 1;

  public EncodedExchangeSerializer() {
    this(VERSION);
  }

  private EncodedExchangeSerializer(int readVersion) {
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
  protected void write(EncodedExchange value, DataOutputView out) throws IOException {
    writeForm(value, out);
  }

  static void writeForm(EncodedExchange value, DataOutputView out) throws IOException {
    byte[] body = value.body();
    out.writeLong(value.route());
    out.writeLong(value.promptKey());
    out.writeInt(body.length);
    out.write(body);
  }

  @Override
  protected EncodedExchange read(DataInputView in, int version) throws IOException {
    if (version != VERSION) {
      throw new IOException("encoded exchange form version " + version + " unknown");
    }
    return readForm(in);
  }

  static EncodedExchange readForm(DataInputView in) throws IOException {
    long route = in.readLong();
    long promptKey = in.readLong();
    int length = in.readInt();
    if (length < 8 || length > MAX_FRAME_BYTES) {
      throw new IOException("corrupt encoded exchange: body length " + length);
    }
    byte[] body = new byte[length];
    in.readFully(body);
    return new EncodedExchange(route, promptKey, body);
  }

  @Override
  protected FormSerializer<EncodedExchange> readingVersion(int version) {
    return new EncodedExchangeSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<EncodedExchange> newSnapshot() {
    return new Snapshot();
  }

  /** Records the encoded exchange form version. */
  public static final class Snapshot extends FormSerializerSnapshot<EncodedExchange> {
    public Snapshot() {
      super(EncodedExchangeSerializer::new);
    }
  }
}
