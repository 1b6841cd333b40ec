package io.distillwatch.flink.types;

import io.distillwatch.core.detect.AccountProfile;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The per-account profile (keyed state) in {@link AccountProfile}'s own form. The snapshot records
 * {@link AccountProfile#FORM_VERSION}, so after a layout change a checkpoint of the old form
 * restores by migration: read with the old form, written with the new. Profiles are mutable and are
 * copied through their form.
 */
public final class AccountProfileSerializer extends FormSerializer<AccountProfile> {
  private static final long serialVersionUID = 1L;

  /** The oldest form {@link AccountProfile#readFrom} reads. */
  static final int OLDEST_FORM = 1;

  public AccountProfileSerializer() {
    this(AccountProfile.formVersion());
  }

  AccountProfileSerializer(int readVersion) {
    super(readVersion);
  }

  @Override
  public int currentVersion() {
    return AccountProfile.formVersion();
  }

  @Override
  public int oldestReadableVersion() {
    return OLDEST_FORM;
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  protected void write(AccountProfile value, DataOutputView out) throws IOException {
    value.writeTo(out);
  }

  @Override
  protected AccountProfile read(DataInputView in, int version) throws IOException {
    return AccountProfile.readFrom(in, version);
  }

  @Override
  protected FormSerializer<AccountProfile> readingVersion(int version) {
    return new AccountProfileSerializer(version);
  }

  /** Keyed state: framed with a CRC32C, so a corrupt checkpoint fails the restore. */
  @Override
  protected boolean checksummed() {
    return true;
  }

  @Override
  protected FormSerializerSnapshot<AccountProfile> newSnapshot() {
    return new Snapshot();
  }

  /** Records the profile form version. */
  public static final class Snapshot extends FormSerializerSnapshot<AccountProfile> {
    public Snapshot() {
      super(AccountProfileSerializer::new);
    }
  }
}
