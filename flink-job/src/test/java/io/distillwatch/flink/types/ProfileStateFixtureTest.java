package io.distillwatch.flink.types;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.detect.AccountProfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keyed profile state as a checkpoint of this version holds it, checked in as a golden fixture
 * ({@code state/account-profile-form4.bin}: the serializer snapshot as Flink writes it, then three
 * profiles as the state backend stores them). Later versions must keep restoring it; the fixtures
 * of the previous forms ({@code state/account-profile-form2.bin} and {@code -form3.bin}) migrate to
 * this one; a simulated next profile form (a field added) migrates it; corrupt bytes never restore.
 *
 * <p>Regenerate (only when the form version changes, as a new file beside the old ones): {@code mvn
 * -o -pl flink-job -am test -Dtest=ProfileStateFixtureTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Ddistillwatch.writeFixtures=$PWD/flink-job/src/test/resources}.
 */
class ProfileStateFixtureTest {
  static final String FIXTURE = "state/account-profile-form" + AccountProfile.FORM_VERSION + ".bin";

  /**
   * The fixture of an older form: form 2 (written by the build before form 3, whose profiles have
   * no reused templates) or form 3 (fixed-width counters and times, before form 4's varints).
   */
  static String olderFixture(int form) {
    return "state/account-profile-form" + form + ".bin";
  }

  /**
   * The fixture's profiles: account, exchanges, lastSeen (from {@link SerializersTest#profile}).
   */
  static final String[] ACCOUNTS = {"acct-fixture-a", "acct-fixture-b", "acct-fixture-c"};

  static final int[] EXCHANGES = {1, 40, 300};

  record Fixture(TypeSerializerSnapshot<AccountProfile> snapshot, List<byte[]> values) {}

  static byte[] write() throws IOException {
    AccountProfileSerializer s = new AccountProfileSerializer();
    DataOutputSerializer out = new DataOutputSerializer(4096);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, s.snapshotConfiguration());
    out.writeInt(ACCOUNTS.length);
    for (int i = 0; i < ACCOUNTS.length; i++) {
      byte[] value = SerializersTest.bytes(s, SerializersTest.profile(ACCOUNTS[i], EXCHANGES[i]));
      out.writeInt(value.length);
      out.write(value);
    }
    return out.getCopyOfBuffer();
  }

  static byte[] fixtureBytes() throws IOException {
    String to = System.getProperty("distillwatch.writeFixtures");
    if (to != null) {
      Path file = Path.of(to, FIXTURE);
      Files.createDirectories(file.getParent());
      if (Files.exists(file)) {
        throw new IOException(file + " exists: fixtures are written once per form, never over");
      }
      Files.write(file, write());
    }
    return resource(FIXTURE);
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = ProfileStateFixtureTest.class.getResourceAsStream("/" + name)) {
      assertTrue(in != null, "fixture " + name + " is on the test classpath");
      return in.readAllBytes();
    }
  }

  static Fixture fixture() throws IOException {
    return parse(fixtureBytes());
  }

  static Fixture parse(byte[] bytes) throws IOException {
    DataInputDeserializer in = new DataInputDeserializer(bytes);
    TypeSerializerSnapshot<AccountProfile> snapshot =
        TypeSerializerSnapshot.readVersionedSnapshot(
            in, ProfileStateFixtureTest.class.getClassLoader());
    int n = in.readInt();
    List<byte[]> values = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] v = new byte[in.readInt()];
      in.readFully(v);
      values.add(v);
    }
    assertEquals(0, in.available(), "nothing after the last value");
    return new Fixture(snapshot, values);
  }

  /**
   * A checkpoint of an older form restores by migration: the same accounts, counts and times (from
   * form 2, no reused templates yet: the profile learns them again), and written in this form it
   * reads back to the same bytes.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void olderFixture_migrates_sameProfiles(int form) throws IOException {
    Fixture f = parse(resource(olderFixture(form)));
    AccountProfileSerializer now = new AccountProfileSerializer();
    assertEquals(form, ((FormSerializerSnapshot<AccountProfile>) f.snapshot()).formVersion());
    assertTrue(
        now.snapshotConfiguration()
            .resolveSchemaCompatibility(f.snapshot())
            .isCompatibleAfterMigration());
    TypeSerializer<AccountProfile> restore = f.snapshot().restoreSerializer();
    for (int i = 0; i < ACCOUNTS.length; i++) {
      AccountProfile p = restore.deserialize(new DataInputDeserializer(f.values().get(i)));
      AccountProfile expected = SerializersTest.profile(ACCOUNTS[i], EXCHANGES[i]);
      assertEquals(ACCOUNTS[i], p.accountId());
      assertEquals(expected.exchanges(), p.exchanges());
      assertEquals(expected.lastSeen(), p.lastSeen());
      byte[] migrated = SerializersTest.bytes(now, p);
      AccountProfile again = now.deserialize(new DataInputDeserializer(migrated));
      assertArrayEquals(migrated, SerializersTest.bytes(now, again));
    }
  }

  @Test
  void fixture_restoresAsIs_sameProfilesAndBytes() throws IOException {
    Fixture f = fixture();
    AccountProfileSerializer now = new AccountProfileSerializer();
    assertTrue(
        now.snapshotConfiguration().resolveSchemaCompatibility(f.snapshot()).isCompatibleAsIs());
    TypeSerializer<AccountProfile> restore = f.snapshot().restoreSerializer();
    for (int i = 0; i < ACCOUNTS.length; i++) {
      AccountProfile p = restore.deserialize(new DataInputDeserializer(f.values().get(i)));
      AccountProfile expected = SerializersTest.profile(ACCOUNTS[i], EXCHANGES[i]);
      assertEquals(ACCOUNTS[i], p.accountId());
      assertEquals(expected.lastSeen(), p.lastSeen());
      assertArrayEquals(f.values().get(i), SerializersTest.bytes(now, p), "golden bytes");
    }
  }

  @Test
  void nextForm_addedField_migratesFixture_andThisBuildRefusesTheNextForm() throws IOException {
    Fixture f = fixture();
    int form = ((FormSerializerSnapshot<AccountProfile>) f.snapshot()).formVersion();
    // What the fixture's snapshot says, as the next build's snapshot class would read it.
    DataOutputSerializer payload = new DataOutputSerializer(16);
    f.snapshot().writeSnapshot(payload);
    NextForm.Snapshot old = new NextForm.Snapshot();
    old.readSnapshot(
        f.snapshot().getCurrentVersion(),
        new DataInputDeserializer(payload.getCopyOfBuffer()),
        getClass().getClassLoader());

    NextForm next = new NextForm();
    assertTrue(
        next.snapshotConfiguration().resolveSchemaCompatibility(old).isCompatibleAfterMigration());
    TypeSerializer<NextForm.Profile> reader = old.restoreSerializer();
    for (int i = 0; i < ACCOUNTS.length; i++) {
      NextForm.Profile migrated = reader.deserialize(new DataInputDeserializer(f.values().get(i)));
      assertEquals(
          NextForm.ADDED_DEFAULT, migrated.added(), "the added field starts at its default");
      DataOutputSerializer out = new DataOutputSerializer(1024);
      next.serialize(new NextForm.Profile(migrated.profile(), 7), out);
      NextForm.Profile back = next.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
      assertEquals(ACCOUNTS[i], back.profile().accountId());
      assertEquals(7, back.added());
    }

    // And this build, given a checkpoint of the next form, refuses it rather than misreading it.
    var nextFormCheckpoint = SerializersTest.checkpointedForm(form + 1);
    assertTrue(
        new AccountProfileSerializer()
            .snapshotConfiguration()
            .resolveSchemaCompatibility(nextFormCheckpoint)
            .isIncompatible());
  }

  @Test
  void corruptState_everyFlippedByteAndEveryTruncation_failsNamingTheProblem() throws IOException {
    Fixture f = fixture();
    TypeSerializer<AccountProfile> restore = f.snapshot().restoreSerializer();
    byte[] good = f.values().get(1);
    int failed = 0;
    for (int i = 0; i < good.length; i++) {
      for (int bit : new int[] {0x01, 0x80}) {
        byte[] bad = good.clone();
        bad[i] ^= (byte) bit;
        IOException e =
            assertThrows(
                IOException.class,
                () -> restore.deserialize(new DataInputDeserializer(bad)),
                "flipped byte " + i);
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        failed++;
      }
    }
    for (int len = 0; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      assertThrows(IOException.class, () -> restore.deserialize(new DataInputDeserializer(cut)));
      failed++;
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      byte[] garbage = new byte[random.nextInt(1, 2000)];
      for (int j = 0; j < garbage.length; j++) {
        garbage[j] = (byte) random.nextInt(256);
      }
      assertThrows(
          IOException.class, () -> restore.deserialize(new DataInputDeserializer(garbage)));
      failed++;
    }
    System.out.printf("corrupt profile state: %d corrupt values, each refused%n", failed);
  }

  /**
   * The next profile form, as a later build might write it: the current form plus an int field.
   * Reads the current form (the field at its default) and its own.
   */
  static final class NextForm extends FormSerializer<NextForm.Profile> {
    private static final long serialVersionUID = 1L;
    static final int ADDED_DEFAULT = -1;

    record Profile(AccountProfile profile, int added) {}

    NextForm() {
      this(AccountProfile.FORM_VERSION + 1);
    }

    NextForm(int readVersion) {
      super(readVersion);
    }

    @Override
    public int currentVersion() {
      return AccountProfile.FORM_VERSION + 1;
    }

    @Override
    public int oldestReadableVersion() {
      return AccountProfileSerializer.OLDEST_FORM;
    }

    @Override
    protected boolean checksummed() {
      return true;
    }

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    protected void write(Profile value, DataOutputView out) throws IOException {
      value.profile().writeTo(out);
      out.writeInt(value.added());
    }

    @Override
    protected Profile read(DataInputView in, int version) throws IOException {
      if (version == currentVersion()) {
        return new Profile(AccountProfile.readFrom(in, version - 1), in.readInt());
      }
      return new Profile(AccountProfile.readFrom(in, version), ADDED_DEFAULT);
    }

    @Override
    protected FormSerializer<Profile> readingVersion(int version) {
      return new NextForm(version);
    }

    @Override
    protected FormSerializerSnapshot<Profile> newSnapshot() {
      return new Snapshot();
    }

    @Override
    public TypeSerializer<Profile> duplicate() {
      return this;
    }

    public static final class Snapshot extends FormSerializerSnapshot<Profile> {
      public Snapshot() {
        super(NextForm::new);
      }
    }
  }
}
