package io.distillwatch.flink.types;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertCodec;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link Alert}s (both kinds) in {@link AlertCodec}'s form. Alerts are immutable. */
public final class AlertSerializer extends FormSerializer<Alert> {
  private static final long serialVersionUID = 1L;

  public AlertSerializer() {
    this(AlertCodec.version());
  }

  private AlertSerializer(int readVersion) {
    super(readVersion);
  }

  @Override
  public int currentVersion() {
    return AlertCodec.version();
  }

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  protected void write(Alert value, DataOutputView out) throws IOException {
    AlertCodec.write(value, out);
  }

  @Override
  protected Alert read(DataInputView in, int version) throws IOException {
    return AlertCodec.read(in, version);
  }

  @Override
  protected FormSerializer<Alert> readingVersion(int version) {
    return new AlertSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<Alert> newSnapshot() {
    return new Snapshot();
  }

  /** Records the alert form version. */
  public static final class Snapshot extends FormSerializerSnapshot<Alert> {
    public Snapshot() {
      super(AlertSerializer::new);
    }
  }
}
