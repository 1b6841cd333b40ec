package io.distillwatch.flink.types;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeCodec;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link Exchange} in {@link ExchangeCodec}'s form. Exchanges are immutable: never copied. */
public final class ExchangeSerializer extends FormSerializer<Exchange> {
  private static final long serialVersionUID = 1L;

  public ExchangeSerializer() {
    this(ExchangeCodec.version());
  }

  private ExchangeSerializer(int readVersion) {
    super(readVersion);
  }

  @Override
  public int currentVersion() {
    return ExchangeCodec.version();
  }

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  protected void write(Exchange value, DataOutputView out) throws IOException {
    ExchangeCodec.write(value, out);
  }

  @Override
  protected Exchange read(DataInputView in, int version) throws IOException {
    return ExchangeCodec.read(in, version);
  }

  @Override
  protected FormSerializer<Exchange> readingVersion(int version) {
    return new ExchangeSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<Exchange> newSnapshot() {
    return new Snapshot();
  }

  /** Records the exchange form version. */
  public static final class Snapshot extends FormSerializerSnapshot<Exchange> {
    public Snapshot() {
      super(ExchangeSerializer::new);
    }
  }
}
