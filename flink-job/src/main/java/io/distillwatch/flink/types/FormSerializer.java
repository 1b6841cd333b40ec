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
 * <p>Serializers are stateless, so {@link #duplicate} returns {@code this}. Mutable types (the
 * per-account profile) are copied by a round trip through their binary form.
 */
public abstract class FormSerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final int readVersion;

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

  /** A new snapshot of this serializer (a subclass of {@link FormSerializerSnapshot}). */
  protected abstract FormSerializerSnapshot<T> newSnapshot();

  public final int readVersion() {
    return readVersion;
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return this;
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
    write(record, target);
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    return read(source, readVersion);
  }

  @Override
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    // Only the current form is ever copied record by record (network, state of this run).
    write(read(source, readVersion), target);
  }

  @Override
  public boolean equals(Object o) {
    return o != null
        && o.getClass() == getClass()
        && ((FormSerializer<?>) o).readVersion == readVersion;
  }

  @Override
  public int hashCode() {
    return 31 * getClass().hashCode() + readVersion;
  }

  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    return newSnapshot();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(reads form " + readVersion + ")";
  }
}
