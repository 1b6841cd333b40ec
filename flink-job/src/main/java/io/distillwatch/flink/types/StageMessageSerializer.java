package io.distillwatch.flink.types;

import io.distillwatch.core.link.StageMessage;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Messages between the detection stages, in {@link StageMessage}'s form; immutable records. */
public final class StageMessageSerializer extends FormSerializer<StageMessage> {
  private static final long serialVersionUID = 1L;

  public StageMessageSerializer() {
    this(StageMessage.formVersion());
  }

  private StageMessageSerializer(int readVersion) {
    super(readVersion);
  }

  @Override
  public int currentVersion() {
    return StageMessage.formVersion();
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
  protected void write(StageMessage value, DataOutputView out) throws IOException {
    value.writeTo(out);
  }

  @Override
  protected StageMessage read(DataInputView in, int version) throws IOException {
    return StageMessage.readFrom(in, version); // 1 (no signals) and 2
  }

  @Override
  protected FormSerializer<StageMessage> readingVersion(int version) {
    return new StageMessageSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<StageMessage> newSnapshot() {
    return new Snapshot();
  }

  /** Records the message form version. */
  public static final class Snapshot extends FormSerializerSnapshot<StageMessage> {
    public Snapshot() {
      super(StageMessageSerializer::new);
    }
  }
}
