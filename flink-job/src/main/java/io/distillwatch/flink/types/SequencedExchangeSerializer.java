package io.distillwatch.flink.types;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link SequencedExchange}: form version 1 is long sequence, int account key, then the exchange in
 * {@link EncodedExchangeSerializer}'s form {@code 1}; when that form changes, this version follows.
 * Network only (no state holds it). Immutable: never copied.
 */
public final class SequencedExchangeSerializer extends FormSerializer<SequencedExchange> {
  private static final long serialVersionUID = 1L;

  /** Version of the form. */
  public static final int VERSION = 1;

  public SequencedExchangeSerializer() {
    this(VERSION);
  }

  private SequencedExchangeSerializer(int readVersion) {
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
  protected void write(SequencedExchange value, DataOutputView out) throws IOException {
    out.writeLong(value.sequence());
    out.writeInt(value.accountKey());
    EncodedExchangeSerializer.writeForm(value.encoded(), out);
  }

  @Override
  protected SequencedExchange read(DataInputView in, int version) throws IOException {
    if (version != VERSION) {
      throw new IOException("sequenced exchange form version " + version + " unknown");
    }
    long sequence = in.readLong();
    int accountKey = in.readInt();
    return new SequencedExchange(EncodedExchangeSerializer.readForm(in), sequence, accountKey);
  }

  @Override
  protected FormSerializer<SequencedExchange> readingVersion(int version) {
    return new SequencedExchangeSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<SequencedExchange> newSnapshot() {
    return new Snapshot();
  }

  /** Records the sequenced exchange form version. */
  public static final class Snapshot extends FormSerializerSnapshot<SequencedExchange> {
    public Snapshot() {
      super(SequencedExchangeSerializer::new);
    }
  }
}
