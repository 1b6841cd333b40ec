package io.distillwatch.flink.types;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link NoveltyMark}: form version 1 is long sequence, boolean novel prompt, int account key.
 * Network only (no state holds it). Immutable: never copied.
 */
public final class NoveltyMarkSerializer extends FormSerializer<NoveltyMark> {
  private static final long serialVersionUID = 1L;

  /** Version of the form. */
  public static final int VERSION = 1;

  public NoveltyMarkSerializer() {
    this(VERSION);
  }

  private NoveltyMarkSerializer(int readVersion) {
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
  protected void write(NoveltyMark value, DataOutputView out) throws IOException {
    out.writeLong(value.sequence());
    out.writeBoolean(value.novelPrompt());
    out.writeInt(value.accountKey());
  }

  @Override
  protected NoveltyMark read(DataInputView in, int version) throws IOException {
    if (version != VERSION) {
      throw new IOException("novelty mark form version " + version + " unknown");
    }
    long sequence = in.readLong();
    boolean novel = in.readBoolean();
    return new NoveltyMark(in.readInt(), sequence, novel);
  }

  @Override
  protected FormSerializer<NoveltyMark> readingVersion(int version) {
    return new NoveltyMarkSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<NoveltyMark> newSnapshot() {
    return new Snapshot();
  }

  /** Records the novelty mark form version. */
  public static final class Snapshot extends FormSerializerSnapshot<NoveltyMark> {
    public Snapshot() {
      super(NoveltyMarkSerializer::new);
    }
  }
}
