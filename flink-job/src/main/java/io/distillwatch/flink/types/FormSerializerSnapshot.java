package io.distillwatch.flink.types;

import java.io.IOException;
import java.util.function.Supplier;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What a checkpoint records about a {@link FormSerializer}: the form version the state was written
 * in. Restoring with a newer serializer is compatible as is for the same form, compatible after
 * migration for an older form the new serializer still reads (state is read in the old form and
 * rewritten in the new one), and incompatible otherwise, so a checkpoint is never misread.
 *
 * <p>Flink instantiates snapshots by class name, so each type has a subclass with a public no-arg
 * constructor. Layout: snapshot version 2 {@code int formVersion, boolean framed} (whether values
 * carry a length and checksum, see {@link FormSerializer#checksummed}); version 1 {@code int
 * formVersion}, values never framed. Restoring framed values where the current build writes them
 * bare, or the reverse, is a migration.
 */
public abstract class FormSerializerSnapshot<T> implements TypeSerializerSnapshot<T> {
  private static final int SNAPSHOT_VERSION = 2;

  private final Supplier<? extends FormSerializer<T>> current;
  private int formVersion;
  private boolean framed;

  /**
   * @param current makes a serializer of the current form
   */
  protected FormSerializerSnapshot(Supplier<? extends FormSerializer<T>> current) {
    this.current = current;
    FormSerializer<T> now = current.get();
    this.formVersion = now.currentVersion();
    this.framed = now.checksummed();
  }

  /** Whether the state's values are framed with a length and checksum. */
  public boolean framed() {
    return framed;
  }

  /** The form version the state was written in. */
  public int formVersion() {
    return formVersion;
  }

  @Override
  public int getCurrentVersion() {
    return SNAPSHOT_VERSION;
  }

  @Override
  public void writeSnapshot(DataOutputView out) throws IOException {
    out.writeInt(formVersion);
    out.writeBoolean(framed);
  }

  @Override
  public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
      throws IOException {
    if (readVersion != 1 && readVersion != SNAPSHOT_VERSION) {
      throw new IOException(
          getClass().getName() + ": unknown serializer snapshot version " + readVersion);
    }
    formVersion = in.readInt();
    framed = readVersion >= 2 && in.readBoolean();
  }

  @Override
  public TypeSerializer<T> restoreSerializer() {
    return current.get().readingForm(formVersion, framed);
  }

  @Override
  public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
      TypeSerializerSnapshot<T> oldSnapshot) {
    if (oldSnapshot == null || oldSnapshot.getClass() != getClass()) {
      return TypeSerializerSchemaCompatibility.incompatible();
    }
    int old = ((FormSerializerSnapshot<T>) oldSnapshot).formVersion;
    boolean oldFramed = ((FormSerializerSnapshot<T>) oldSnapshot).framed;
    FormSerializer<T> now = current.get();
    if (old == now.currentVersion() && oldFramed == now.checksummed()) {
      return TypeSerializerSchemaCompatibility.compatibleAsIs();
    }
    if (old >= now.oldestReadableVersion() && old <= now.currentVersion()) {
      return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
    }
    return TypeSerializerSchemaCompatibility.incompatible();
  }
}
