package io.distillwatch.flink.types;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link PromptProbe}: form version 1 is long route, long prompt key, long sequence, int account
 * key. Network only (no state holds it). Immutable: never copied.
 */
public final class PromptProbeSerializer extends FormSerializer<PromptProbe> {
  private static final long serialVersionUID = 1L;

  /** Version of the form. */
  public static final int VERSION = 1;

  public PromptProbeSerializer() {
    this(VERSION);
  }

  private PromptProbeSerializer(int readVersion) {
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
  protected void write(PromptProbe value, DataOutputView out) throws IOException {
    out.writeLong(value.route());
    out.writeLong(value.promptKey());
    out.writeLong(value.sequence());
    out.writeInt(value.accountKey());
  }

  @Override
  protected PromptProbe read(DataInputView in, int version) throws IOException {
    if (version != VERSION) {
      throw new IOException("prompt probe form version " + version + " unknown");
    }
    long route = in.readLong();
    long promptKey = in.readLong();
    long sequence = in.readLong();
    return new PromptProbe(route, promptKey, in.readInt(), sequence);
  }

  @Override
  protected FormSerializer<PromptProbe> readingVersion(int version) {
    return new PromptProbeSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<PromptProbe> newSnapshot() {
    return new Snapshot();
  }

  /** Records the prompt probe form version. */
  public static final class Snapshot extends FormSerializerSnapshot<PromptProbe> {
    public Snapshot() {
      super(PromptProbeSerializer::new);
    }
  }
}
