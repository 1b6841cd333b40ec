package io.distillwatch.flink.types;

import io.distillwatch.core.link.LinkKeyState;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A link key's state (keyed state) in {@link LinkKeyState}'s form, version 1. Mutable (the link
 * stage updates it in place), so copied through its form.
 */
public final class LinkKeyStateSerializer extends FormSerializer<LinkKeyState> {
  private static final long serialVersionUID = 1L;

  /** {@link LinkKeyState}'s form version; the class leaves recording it to the caller. */
  static final int FORM_VERSION = 1;

  public LinkKeyStateSerializer() {
    this(FORM_VERSION);
  }

  private LinkKeyStateSerializer(int readVersion) {
    super(readVersion);
  }

  @Override
  public int currentVersion() {
    return FORM_VERSION;
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  protected void write(LinkKeyState value, DataOutputView out) throws IOException {
    value.writeTo(out);
  }

  @Override
  protected LinkKeyState read(DataInputView in, int version) throws IOException {
    if (version != FORM_VERSION) {
      throw new IOException("link key state form version " + version + " unknown");
    }
    return LinkKeyState.readFrom(in);
  }

  @Override
  protected FormSerializer<LinkKeyState> readingVersion(int version) {
    return new LinkKeyStateSerializer(version);
  }

  /** Keyed state: framed with a CRC32C, so a corrupt checkpoint fails the restore. */
  @Override
  protected boolean checksummed() {
    return true;
  }

  @Override
  protected FormSerializerSnapshot<LinkKeyState> newSnapshot() {
    return new Snapshot();
  }

  /** Records the link key state form version. */
  public static final class Snapshot extends FormSerializerSnapshot<LinkKeyState> {
    public Snapshot() {
      super(LinkKeyStateSerializer::new);
    }
  }
}
