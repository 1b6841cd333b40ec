package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.io.Exchange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DetectorSnapshotTest {
  /** Small enough to calibrate on a few hundred accounts; eviction on, so its counters move. */
  static DetectorConfig config() {
    return DetectorConfig.builder()
        .targetFalsePositiveRate(0.01)
        .minCalibrationSamples(20)
        .noveltyBits(10)
        .idleEviction(Duration.ofDays(2))
        .config();
  }

  private static final DetectorConfig CONFIG = config();
  private static List<Exchange> stream;
  private static List<List<Alert>> alertsA;
  private static ExtractionDetector detectorA;

  @BeforeAll
  static void runReference() {
    stream = SyntheticStream.generate(42, 300, 10, 5);
    detectorA = new ExtractionDetector(CONFIG);
    alertsA = feed(detectorA, stream, 0, stream.size());
  }

  static List<List<Alert>> feed(ExtractionDetector d, List<Exchange> s, int from, int to) {
    List<List<Alert>> out = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      out.add(List.copyOf(d.observe(s.get(i))));
    }
    return out;
  }

  static byte[] snapshot(ExtractionDetector d) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    d.snapshot(bytes);
    return bytes.toByteArray();
  }

  static ExtractionDetector restore(byte[] bytes, DetectorConfig config) throws IOException {
    return ExtractionDetector.restore(new ByteArrayInputStream(bytes), config);
  }

  private static int count(List<List<Alert>> alerts) {
    return alerts.stream().mapToInt(List::size).sum();
  }

  @Test
  void stream_producesAccountAndClusterAlerts() {
    assertTrue(
        detectorA.accountAlerts() > 0, "no account alerts: the equivalence tests are vacuous");
    assertTrue(detectorA.clusterAlerts() > 0, "no cluster alerts");
    assertTrue(detectorA.evictedIdle() > 0, "no idle eviction");
  }

  /** Restore mid-stream, finish the stream: the same alerts, byte for byte, and the same state. */
  @ParameterizedTest
  @ValueSource(doubles = {0.1, 0.37, 0.5, 0.81})
  void restore_midStream_emitsExactlyTheAlertsOfAnUninterruptedDetector(double at)
      throws IOException {
    int split = (int) (stream.size() * at);
    ExtractionDetector b = new ExtractionDetector(CONFIG);
    feed(b, stream, 0, split);
    byte[] bytes = snapshot(b);
    ExtractionDetector c = restore(bytes, CONFIG);
    assertArrayEquals(bytes, snapshot(c), "a restored detector's snapshot differs");

    List<List<Alert>> alertsC = feed(c, stream, split, stream.size());
    List<List<Alert>> expected = alertsA.subList(split, stream.size());
    assertEquals(expected, alertsC);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(json(expected.get(i)), json(alertsC.get(i)), "alert text at " + (split + i));
    }
    if (at < 0.6) {
      assertTrue(count(expected) > 0, "no alerts after the split: vacuous");
    }
    assertEquals(detectorA.accountAlerts(), c.accountAlerts());
    assertEquals(detectorA.clusterAlerts(), c.clusterAlerts());
    assertEquals(detectorA.evictedIdle(), c.evictedIdle());
    assertEquals(detectorA.liveAccounts(), c.liveAccounts());
    // Whole state, before explain() (which touches access order) runs on either.
    assertArrayEquals(snapshot(detectorA), snapshot(c), "state after the stream differs");
  }

  @Test
  void explain_afterRestore_equalsUninterrupted() throws IOException {
    int split = stream.size() / 2;
    ExtractionDetector b = new ExtractionDetector(CONFIG);
    feed(b, stream, 0, split);
    ExtractionDetector c = restore(snapshot(b), CONFIG);
    feed(c, stream, split, stream.size());
    ExtractionDetector a = restore(snapshot(detectorA), CONFIG); // A itself stays untouched
    int explained = 0;
    for (String id : List.of("svc-0", "svc-3", "svc-9", "user-0", "user-17", "user-150")) {
      assertEquals(a.explain(id), c.explain(id), id);
      explained += a.explain(id) == null ? 0 : 1;
    }
    assertTrue(explained >= 3, "too few live accounts sampled");
  }

  @ParameterizedTest
  @ValueSource(longs = {7, 1234})
  void restore_otherSeeds_equivalent(long seed) throws IOException {
    List<Exchange> s = SyntheticStream.generate(seed, 150, 6, 3);
    ExtractionDetector a = new ExtractionDetector(CONFIG);
    List<List<Alert>> expected = feed(a, s, 0, s.size());
    for (int split : new int[] {s.size() / 3, 2 * s.size() / 3}) {
      ExtractionDetector b = new ExtractionDetector(CONFIG);
      feed(b, s, 0, split);
      ExtractionDetector c = restore(snapshot(b), CONFIG);
      assertEquals(expected.subList(split, s.size()), feed(c, s, split, s.size()));
      assertArrayEquals(snapshot(a), snapshot(c));
    }
  }

  private static List<String> json(List<Alert> alerts) {
    return alerts.stream().map(AlertJson::toJson).toList();
  }

  // ---------------------------------------------------------------------------------------------
  // corrupt input

  private static byte[] smallSnapshot() throws IOException {
    ExtractionDetector d = new ExtractionDetector(GoldenSnapshot.config());
    feed(d, GoldenSnapshot.stream(), 0, GoldenSnapshot.stream().size());
    return snapshot(d);
  }

  @Test
  void restore_everyTruncation_failsLoudly() throws IOException {
    byte[] bytes = smallSnapshot();
    SplittableRandom r = new SplittableRandom(3);
    for (int len = 0; len < bytes.length; len += len < 256 ? 1 : 1 + r.nextInt(97)) {
      byte[] cut = Arrays.copyOf(bytes, len);
      SnapshotFormatException e =
          assertThrows(
              SnapshotFormatException.class,
              () -> restore(cut, GoldenSnapshot.config()),
              "truncated at " + len);
      assertNotNull(e.getMessage());
    }
    for (int len = bytes.length - 16; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      SnapshotFormatException e =
          assertThrows(SnapshotFormatException.class, () -> restore(cut, GoldenSnapshot.config()));
      assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
  }

  @Test
  void restore_randomBitFlip_failsLoudly() throws IOException {
    byte[] bytes = smallSnapshot();
    SplittableRandom r = new SplittableRandom(11);
    for (int t = 0; t < 400; t++) {
      byte[] bad = bytes.clone();
      int bit = r.nextInt(bad.length * 8);
      bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
      assertThrows(
          SnapshotFormatException.class,
          () -> restore(bad, GoldenSnapshot.config()),
          "bit " + bit + " flipped");
    }
  }

  @Test
  void restore_badMagic_saysSo() throws IOException {
    byte[] bytes = smallSnapshot();
    bytes[0] = 'X';
    SnapshotFormatException e =
        assertThrows(SnapshotFormatException.class, () -> restore(bytes, GoldenSnapshot.config()));
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
  }

  @Test
  void restore_futureVersion_saysSo() throws IOException {
    byte[] bytes = smallSnapshot();
    int future = DetectorSnapshot.VERSION + 1;
    bytes[4] = (byte) (future >>> 8);
    bytes[5] = (byte) future;
    SnapshotFormatException e =
        assertThrows(SnapshotFormatException.class, () -> restore(bytes, GoldenSnapshot.config()));
    assertTrue(e.getMessage().contains("version " + future), e.getMessage());
  }

  @Test
  void restore_otherNoveltyBits_failsNamingIt() throws IOException {
    byte[] bytes = smallSnapshot();
    DetectorConfig other = DetectorConfig.builder().noveltyBits(9).config();
    SnapshotFormatException e =
        assertThrows(SnapshotFormatException.class, () -> restore(bytes, other));
    assertTrue(e.getMessage().contains("noveltyBits"), e.getMessage());
  }

  @Test
  void restore_readsExactlyTheSnapshot_leavesTheRestOfTheStream() throws IOException {
    byte[] bytes = smallSnapshot();
    byte[] framed = Arrays.copyOf(bytes, bytes.length + 3);
    framed[bytes.length] = 'e';
    InputStream in = new ByteArrayInputStream(framed);
    assertNotNull(ExtractionDetector.restore(in, GoldenSnapshot.config()));
    assertEquals('e', in.read());
  }

  @Test
  void restore_lowerMaxAccounts_evictsLeastRecentlyActive() throws IOException {
    byte[] bytes = smallSnapshot();
    ExtractionDetector full = restore(bytes, GoldenSnapshot.config());
    DetectorConfig capped = GoldenSnapshot.builder().maxAccounts(10).config();
    ExtractionDetector d = restore(bytes, capped);
    assertEquals(10, d.liveAccounts());
    assertEquals(full.evictedByCap() + full.liveAccounts() - 10, d.evictedByCap());
  }

  // ---------------------------------------------------------------------------------------------
  // Kryo

  @Test
  void kryo_roundTrip_keepsEveryByte() throws IOException {
    ExtractionDetector b = new ExtractionDetector(CONFIG);
    feed(b, stream, 0, stream.size() / 2);
    Kryo kryo = new Kryo();
    DetectorKryo.register(kryo, CONFIG);
    Output out = new Output(1 << 16, -1);
    kryo.writeObject(out, b);
    kryo.writeObject(out, "after"); // the detector's bytes are framed
    Input in = new Input(out.toBytes());
    ExtractionDetector read = kryo.readObject(in, ExtractionDetector.class);
    assertEquals("after", kryo.readObject(in, String.class));
    assertArrayEquals(snapshot(b), snapshot(read));
    assertArrayEquals(snapshot(b), snapshot(kryo.copy(b)));

    byte[] bad = out.toBytes();
    bad[40] ^= 1;
    assertThrows(
        KryoException.class, () -> kryo.readObject(new Input(bad), ExtractionDetector.class));
  }

  // ---------------------------------------------------------------------------------------------
  // size

  @Test
  void snapshot_size_perLiveAccount() throws IOException {
    DetectorConfig config =
        DetectorConfig.builder()
            .targetFalsePositiveRate(0.01)
            .minCalibrationSamples(20)
            .noveltyBits(12)
            .config();
    List<Exchange> s = SyntheticStream.generate(5, 10_000, 0, 1);
    ExtractionDetector d = new ExtractionDetector(config);
    feed(d, s, 0, s.size());
    int bytes = snapshot(d).length;
    double perAccount = bytes / (double) d.liveAccounts();
    System.out.printf(
        "snapshot: %d bytes for %d live accounts (%d exchanges): %.0f bytes per account%n",
        bytes, d.liveAccounts(), d.exchanges(), perAccount);
    assertTrue(perAccount < 2048, "snapshot grew past 2 KiB per account: " + perAccount);
  }
}
