package io.distillwatch.flink.types;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Base of the job's serializers: each type has a binary form with a version number (kept by
 * detector-core, next to the type). A serializer always writes the current form and reads the form
 * it was built for, which is the current one except for a serializer restored from an older
 * checkpoint: its {@link FormSerializerSnapshot} recorded the form version, so state written by an
 * older layout is read with that layout and rewritten in the new one (Flink's state migration).
 *
 * <p>Serializers of unframed values are stateless, so {@link #duplicate} returns {@code this}.
 * Framed ones keep scratch buffers for the frame rather than allocate a kilobyte each way per value
 * (with RocksDB a profile is read on every cache miss and written on every eviction and
 * checkpoint), so each duplicate gets its own. Mutable types (the per-account profile) are copied
 * by a round trip through their binary form.
 *
 * <p>Types kept in state can ask for a checksum ({@link #checksummed}): each value is then framed
 * as {@code int length, the form's bytes, int CRC32C of those bytes}, and reading checks the
 * length, the checksum and that the form used every byte, so a corrupt checkpoint fails the restore
 * with an exception that says so instead of yielding a wrong value (the forms themselves check
 * structure, not every number). Whether a checkpoint's values are framed is recorded in its
 * snapshot.
 */
public abstract class FormSerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  /** Largest framed value accepted: far above any form, small enough to refuse a garbage length. */
  static final int MAX_FRAME_BYTES = 64 << 20;

  private final int readVersion;

  /** -1: values are framed as this build writes them; 0: not framed; 1: framed. */
  private int readFrame = -1;

  /** Scratch for framed values: the body written, the body read; never shared between threads. */
  private transient DataOutputSerializer writeScratch;

  private transient byte[] readScratch;
  private transient DataInputDeserializer readView;

  /**
   * @param readVersion the form version this serializer reads; {@link #currentVersion()} for new
   *     serializers
   */
  protected FormSerializer(int readVersion) {
    this.readVersion = readVersion;
  }

  /** The version of the form {@link #write} writes. */
  public abstract int currentVersion();

  /** The oldest form version {@link #read} still reads; older checkpoints are incompatible. */
  public int oldestReadableVersion() {
    return currentVersion();
  }

  /** Writes {@code value} in the current form. */
  protected abstract void write(T value, DataOutputView out) throws IOException;

  /** Reads a value written in form {@code version}; corrupt input throws, never a wrong value. */
  protected abstract T read(DataInputView in, int version) throws IOException;

  /** The same serializer, reading form {@code version}. */
  protected abstract FormSerializer<T> readingVersion(int version);

  /** True if values are written framed with a length and a CRC32C; false by default. */
  protected boolean checksummed() {
    return false;
  }

  /** Whether the values this serializer reads are framed. */
  public final boolean readsFramed() {
    return readFrame < 0 ? checksummed() : readFrame == 1;
  }

  /** The same serializer, reading form {@code version}, framed or not. */
  final FormSerializer<T> readingForm(int version, boolean framed) {
    FormSerializer<T> s = readingVersion(version);
    s.readFrame = framed ? 1 : 0;
    return s;
  }

  /** A new snapshot of this serializer (a subclass of {@link FormSerializerSnapshot}). */
  protected abstract FormSerializerSnapshot<T> newSnapshot();

  public final int readVersion() {
    return readVersion;
  }

  @Override
  public TypeSerializer<T> duplicate() {
    // Framed values use scratch buffers: one serializer per thread, as Flink asks of stateful ones.
    return checksummed() || readsFramed() ? readingForm(readVersion, readsFramed()) : this;
  }

  @Override
  public T createInstance() {
    return null; // no meaningful empty value; Flink only needs it for object reuse
  }

  @Override
  public T copy(T from) {
    if (from == null || isImmutableType()) {
      return from;
    }
    try {
      DataOutputSerializer out = new DataOutputSerializer(256);
      write(from, out);
      return read(
          new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()), currentVersion());
    } catch (IOException e) {
      throw new IllegalStateException("cannot copy " + from.getClass().getSimpleName(), e);
    }
  }

  @Override
  public T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(T record, DataOutputView target) throws IOException {
    if (!checksummed()) {
      write(record, target);
      return;
    }
    DataOutputSerializer body = writeScratch;
    if (body == null) {
      body = writeScratch = new DataOutputSerializer(1024);
    } else {
      body.clear();
    }
    write(record, body);
    target.writeInt(body.length());
    target.write(body.getSharedBuffer(), 0, body.length());
    target.writeInt(crc(body.getSharedBuffer(), body.length()));
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    if (!readsFramed()) {
      return read(source, readVersion);
    }
    String what = getClass().getSimpleName();
    int length = source.readInt();
    if (length < 0 || length > MAX_FRAME_BYTES) {
      throw new IOException(what + ": corrupt state, value length " + length + " is impossible");
    }
    byte[] body = readScratch;
    if (body == null || body.length < length) {
      body = readScratch = new byte[Math.max(length, 1024)];
    }
    int stored;
    try {
      source.readFully(body, 0, length);
      stored = source.readInt();
    } catch (java.io.EOFException e) {
      throw new IOException(
          what + ": corrupt state, a value of " + length + " bytes is cut short", e);
    }
    int computed = crc(body, length);
    if (stored != computed) {
      throw new IOException(
          String.format(
              "%s: corrupt state, checksum 0x%08x does not match the value's 0x%08x (%d bytes)",
              what, stored, computed, length));
    }
    DataInputDeserializer in = readView;
    if (in == null) {
      in = readView = new DataInputDeserializer();
    }
    in.setBuffer(body, 0, length);
    T value = read(in, readVersion);
    if (in.available() != 0) {
      throw new IOException(
          what + ": corrupt state, " + in.available() + " of " + length + " bytes left unread");
    }
    return value;
  }

  private static int crc(byte[] bytes, int length) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }

  @Override
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    // Only the current form is ever copied record by record (network, state of this run).
    serialize(deserialize(source), target);
  }

  @Override
  public boolean equals(Object o) {
    return o != null
        && o.getClass() == getClass()
        && ((FormSerializer<?>) o).readVersion == readVersion
        && ((FormSerializer<?>) o).readsFramed() == readsFramed();
  }

  @Override
  public int hashCode() {
    return 31 * (31 * getClass().hashCode() + readVersion) + (readsFramed() ? 1 : 0);
  }

  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    return newSnapshot();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName()
        + "(reads form "
        + readVersion
        + (readsFramed() ? ", framed" : "")
        + ")";
  }
}
