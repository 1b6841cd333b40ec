package io.distillwatch.flink.types;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.detect.AccountProfile;
import io.distillwatch.core.detect.AccountStage;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.StageMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class SerializersTest {
  static AccountProfile profile(String account, int exchanges) {
    AccountStage stage = new AccountStage(DetectorConfig.builder().config());
    AccountProfile p = null;
    for (int i = 0; i < exchanges; i++) {
      Exchange e =
          Exchange.builder(1_776_902_400_000L + i * 60_000L, account)
              .paymentFingerprint("card-" + account)
              .templateHash("t" + (i % 3))
              .promptHash("p" + i)
              .outputTokens(100 + i)
              .build();
      p = stage.observe(p, e, true, new ArrayList<>()); // every prompt here is new
    }
    return p;
  }

  static byte[] bytes(TypeSerializer<AccountProfile> s, AccountProfile p) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(1024);
    s.serialize(p, out);
    return out.getCopyOfBuffer();
  }

  @Test
  void accountProfile_roundTripAndCopy_sameBytes() throws IOException {
    AccountProfileSerializer s = new AccountProfileSerializer();
    AccountProfile p = profile("acct-1", 50);
    byte[] b = bytes(s, p);
    AccountProfile back = s.deserialize(new DataInputDeserializer(b));
    assertEquals(p.accountId(), back.accountId());
    assertEquals(p.lastSeen(), back.lastSeen());
    assertTrue(java.util.Arrays.equals(b, bytes(s, back)));
    AccountProfile copy = s.copy(p);
    assertTrue(copy != p, "profiles are mutable: copy is a new object");
    assertTrue(java.util.Arrays.equals(b, bytes(s, copy)));
    assertTrue(b.length < 1024, "profile " + b.length + " bytes");
  }

  @Test
  void accountProfile_corruptState_failsLoudly() throws IOException {
    AccountProfileSerializer s = new AccountProfileSerializer();
    byte[] b = bytes(s, profile("acct-1", 20));
    byte[] cut = java.util.Arrays.copyOf(b, b.length / 2);
    assertThrows(IOException.class, () -> s.deserialize(new DataInputDeserializer(cut)));
  }

  @Test
  void snapshot_sameForm_compatibleAsIs() throws IOException {
    var now = new AccountProfileSerializer().snapshotConfiguration();
    var restored = roundTrip(now);
    assertTrue(now.resolveSchemaCompatibility(restored).isCompatibleAsIs());
    assertEquals(new AccountProfileSerializer(), restored.restoreSerializer());
  }

  @Test
  void snapshot_olderReadableForm_compatibleAfterMigrationAndReadsThatForm() throws IOException {
    TypeSerializerSnapshot<AccountProfile> old = checkpointedForm(1);
    var now = new AccountProfileSerializer().snapshotConfiguration();
    assertTrue(now.resolveSchemaCompatibility(old).isCompatibleAfterMigration());
    var restore = (AccountProfileSerializer) old.restoreSerializer();
    assertEquals(1, restore.readVersion());
    assertEquals(AccountProfile.FORM_VERSION, restore.currentVersion());
  }

  @Test
  void snapshot_newerOrForeignForm_incompatible() throws IOException {
    TypeSerializerSnapshot<AccountProfile> newer =
        checkpointedForm(AccountProfile.FORM_VERSION + 1);
    var now = new AccountProfileSerializer().snapshotConfiguration();
    assertTrue(now.resolveSchemaCompatibility(newer).isIncompatible());
  }

  @Test
  void stageMessages_roundTrip() throws IOException {
    AccountStage stage = new AccountStage(DetectorConfig.builder().config());
    List<StageMessage> messages = new ArrayList<>();
    stage.observe(
        null,
        Exchange.builder(1_776_902_400_000L, "a").paymentFingerprint("card").build(),
        false,
        messages);
    assertTrue(!messages.isEmpty(), "a new account with a card sends its payment key");
    StageMessageSerializer s = new StageMessageSerializer();
    DataOutputSerializer out = new DataOutputSerializer(256);
    for (StageMessage m : messages) {
      s.serialize(m, out);
    }
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    for (StageMessage m : messages) {
      assertEquals(m, s.deserialize(in));
    }
  }

  @Test
  void stageMessages_evaluationCarriesSignals_andForm1StillReads() throws IOException {
    AccountStage stage = new AccountStage(DetectorConfig.builder().config());
    List<StageMessage> messages = new ArrayList<>();
    stage.observe(null, Exchange.builder(1_776_902_400_000L, "a").build(), false, messages);
    StageMessage evaluation = messages.get(messages.size() - 1);
    assertTrue(evaluation.signals() != null, "the first exchange is an evaluation point");
    StageMessageSerializer s = new StageMessageSerializer();
    DataOutputSerializer out = new DataOutputSerializer(256);
    s.serialize(evaluation, out);
    assertEquals(evaluation, s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())));

    // A checkpoint of the previous build holds form 1 messages in flight (evidence without
    // signals): form 2 without its tail of profile start and "no signals".
    StageMessage old = StageMessage.evidence("b", 3, 4, 5, 6, 2.5, 3.0, StageMessage.CALIBRATED);
    out.clear();
    s.serialize(old, out);
    byte[] form2 = out.getCopyOfBuffer();
    byte[] form1 = java.util.Arrays.copyOf(form2, form2.length - 9);
    TypeSerializerSnapshot<StageMessage> checkpointed = checkpointedMessageForm(1);
    assertTrue(
        s.snapshotConfiguration()
            .resolveSchemaCompatibility(checkpointed)
            .isCompatibleAfterMigration(),
        "form 1 is read after migration");
    TypeSerializer<StageMessage> reading = checkpointed.restoreSerializer();
    assertEquals(old, reading.deserialize(new DataInputDeserializer(form1)));
  }

  @Test
  void markedExchange_roundTrip_followsTheExchangeForm() throws IOException {
    assertEquals(
        1,
        io.distillwatch.core.io.ExchangeCodec.VERSION,
        "MarkedExchangeSerializer writes exchange form 1: bump its version with the exchange's");
    MarkedExchangeSerializer s = new MarkedExchangeSerializer();
    DataOutputSerializer out = new DataOutputSerializer(256);
    Exchange e = Exchange.builder(1_776_902_400_000L, "a").promptHash("p").model("m").build();
    MarkedExchange m = MarkedExchange.of(e, true);
    s.serialize(m, out);
    MarkedExchange back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertEquals(m, back);
    assertEquals(e, back.exchange());
    assertEquals(io.distillwatch.core.detect.PromptStage.route(e), back.encoded().route());
    assertEquals(io.distillwatch.core.detect.PromptStage.promptKey(e), back.encoded().promptKey());
  }

  /**
   * The three records of the two paths from the source to the account stage: round trips of values
   * with non-ASCII and empty account ids and sequences at the ends of the range, and a truncated
   * form fails rather than yield a value.
   */
  @Test
  void sequencedProbeAndMark_roundTrip_andTruncatedFails() throws IOException {
    Exchange e = Exchange.builder(1_776_902_400_000L, "acct-\u00e9").promptHash("p").build();
    EncodedExchange x = EncodedExchange.of(e);
    for (long sequence : new long[] {0, 1, (1L << 40) - 1, (32767L << 40) | 12345}) {
      for (String account : new String[] {"acct-\u00e9", ""}) {
        roundTrip(
            new PromptProbeSerializer(),
            new PromptProbe(x.route(), x.promptKey(), account.hashCode(), sequence));
        roundTrip(new NoveltyMarkSerializer(), new NoveltyMark(account.hashCode(), sequence, true));
        roundTrip(
            new NoveltyMarkSerializer(), new NoveltyMark(account.hashCode(), sequence, false));
        roundTrip(
            new SequencedExchangeSerializer(),
            new SequencedExchange(x, sequence, account.hashCode()));
      }
    }
    assertEquals(
        new PromptProbe(x.route(), x.promptKey(), "acct-\u00e9".hashCode(), 7),
        PromptProbe.of(e, x, 7),
        "a probe carries the exchange's route, prompt key and account");
  }

  private static <T> void roundTrip(FormSerializer<T> s, T value) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    s.serialize(value, out);
    byte[] bytes = out.getCopyOfBuffer();
    assertEquals(value, s.deserialize(new DataInputDeserializer(bytes)));
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 1);
    assertThrows(
        IOException.class, () -> s.deserialize(new DataInputDeserializer(truncated)), "" + value);
  }

  /** The parse result forms, fixed: a change to either fails here before it reaches a reader. */
  @Test
  void parseResult_form1_isGolden() throws IOException {
    var accepted =
        new io.distillwatch.core.io.ParseResult.Accepted(
            Exchange.builder(1_776_902_400_000L, "a").promptHash("p").build());
    var rejected =
        new io.distillwatch.core.io.ParseResult.Rejected(
            new io.distillwatch.core.io.Rejection(
                io.distillwatch.core.io.RejectReason.MISSING_FIELD, "no account_id", "{}"));
    ParseResultSerializer s = new ParseResultSerializer();
    String[] golden = {
      // accepted, then exchange form 1: timestamp, "a", presence (prompt), "p", 0, 0, other, 0, 0
      "00" + "0000019db7a2e800" + "0161" + "80" + "0170" + "00" + "00" + "06" + "00" + "00",
      // rejected, then reason, message and raw line as Flink StringValues
      "01" + "0e6d697373696e675f6669656c64" + "0e6e6f206163636f756e745f6964" + "037b7d"
    };
    var values = List.of(accepted, rejected);
    for (int i = 0; i < golden.length; i++) {
      DataOutputSerializer out = new DataOutputSerializer(64);
      s.serialize(values.get(i), out);
      assertEquals(golden[i], java.util.HexFormat.of().formatHex(out.getCopyOfBuffer()));
      assertEquals(
          values.get(i),
          s.deserialize(new DataInputDeserializer(java.util.HexFormat.of().parseHex(golden[i]))));
    }
  }

  /** Form 1 (a boolean, then the exchange's codec form) is still read, into the same value. */
  @Test
  void markedExchange_form1_readsAsTheSameExchange() throws IOException {
    Exchange e = Exchange.builder(1_776_902_400_000L, "a").promptHash("p").build();
    DataOutputSerializer form1 = new DataOutputSerializer(64);
    form1.writeBoolean(true);
    io.distillwatch.core.io.ExchangeCodec.write(e, form1);
    var reading = new MarkedExchangeSerializer().readingForm(1, false);
    assertEquals(
        MarkedExchange.of(e, true),
        reading.deserialize(new DataInputDeserializer(form1.getCopyOfBuffer())));
  }

  @Test
  void encodedExchange_roundTrip_andCorruptLengthFails() throws IOException {
    EncodedExchangeSerializer s = new EncodedExchangeSerializer();
    Exchange noPrompt = Exchange.builder(1_776_902_400_000L, "acct-\u00e9").ip("10.0.0.1").build();
    EncodedExchange x = EncodedExchange.of(noPrompt);
    assertEquals(0, x.promptKey(), "no prompt, no key");
    assertEquals(io.distillwatch.core.detect.PromptStage.route(noPrompt), x.route());
    assertEquals("acct-\u00e9", x.accountId());
    assertEquals(noPrompt.timestamp(), x.timestamp());
    DataOutputSerializer out = new DataOutputSerializer(64);
    s.serialize(x, out);
    byte[] bytes = out.getCopyOfBuffer();
    assertEquals(x, s.deserialize(new DataInputDeserializer(bytes)));
    bytes[16] = (byte) 0x80; // the body length's top byte: negative
    assertThrows(IOException.class, () -> s.deserialize(new DataInputDeserializer(bytes)));
  }

  /** The snapshot a checkpoint of a build whose stage message form was {@code form} holds. */
  static TypeSerializerSnapshot<StageMessage> checkpointedMessageForm(int form) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    out.writeUTF(StageMessageSerializer.Snapshot.class.getName());
    out.writeInt(1); // snapshot layout version
    out.writeInt(form);
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()), SerializersTest.class.getClassLoader());
  }

  /** The snapshot a checkpoint of a build whose profile form was {@code form} holds. */
  static TypeSerializerSnapshot<AccountProfile> checkpointedForm(int form) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    out.writeUTF(AccountProfileSerializer.Snapshot.class.getName());
    out.writeInt(1); // snapshot layout version
    out.writeInt(form);
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()), SerializersTest.class.getClassLoader());
  }

  static <T> TypeSerializerSnapshot<T> roundTrip(TypeSerializerSnapshot<T> snapshot)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()), SerializersTest.class.getClassLoader());
  }
}
