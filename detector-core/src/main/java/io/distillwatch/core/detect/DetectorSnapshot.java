package io.distillwatch.core.detect;

import io.distillwatch.core.link.HydraLinker;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Writes and reads the complete learned state of an {@link ExtractionDetector}: a restored detector
 * fed the rest of a stream emits exactly the alerts of one that never stopped, and its own snapshot
 * is byte-identical to the original's.
 *
 * <p>Serial form, version 2 (version 1 is still read). Big-endian ({@link java.io.DataOutput});
 * "string" is an int UTF-8 length then the bytes. Every section starts with a one-byte tag, so a
 * damaged stream is reported by the section it broke in.
 *
 * <pre>
 * offset  size        field
 * 0       4           magic 0x44574453 ("DWDS")
 * 4       2           format version (2; 1 is read too)
 * 6                   sections, in this order:
 *   tag 1 COUNTERS    10 longs: streamStart, streamTime, exchanges, novelTotal, reasoningTotal,
 *                     highValueTotal, evictedIdle, evictedCap, accountAlerts, clusterAlerts
 *   tag 2 LINKER      HydraLinker form (see HydraLinker#writeTo): v2 starts with its form version
 *                     byte and adds each account's id hash; counters, per-account union-find
 *                     records, clustersBySize, clusters with indicators, key table by slot
 *   tag 3 MODELS      int n (0..4096), n x (long model hash, long first seen)
 *   tag 4 CALIBRATORS byte signals (10), byte strata (4), then signals x strata calibrators,
 *                     signal-major: long seed, int sinceRefresh, boolean ready, double q50, q90,
 *                     scale, 33 doubles quantile table, QuantileSketch serial form v1
 *   tag 5 COMBINERS   content then behaviour: int buckets (45), buckets x (long n, double mean,
 *                     double m2)
 *   tag 6 THRESHOLD   double target rate, long accounts, int sinceRefresh, double threshold,
 *                     600 longs bins
 *   tag 7 NOVELTY     byte noveltyBits, byte encoding; 0 sparse: int n, n x (int slot, long hash)
 *                     in slot order; 1 dense: 4 * 2^bits longs
 *   tag 8 IDS         int n (= linker accounts), n x string: account id by dense index
 *   tag 9 PROFILES    int n (live profiles), n x AccountProfile form (profile layout v1), least
 *                     recently accessed first (the access order idle eviction walks)
 * end-12  8           byte count of everything before this field
 * end-4   4           CRC32C of everything before the byte count
 * </pre>
 *
 * <p>Implementation notes. The writer streams (a few MB per 10k accounts plus the novelty table)
 * through a 64 KiB buffer; the checksum is a trailer, so reading cannot check it before parsing.
 * Instead every count is range-checked as it is read, arrays sized by a count grow as records
 * arrive (a corrupt count runs into end of input, not out of memory), and the detector is assembled
 * privately and returned only after the trailer matched: corrupt input gives a {@link
 * SnapshotFormatException}, never a detector. The reader takes exactly the snapshot's bytes from
 * its stream and nothing beyond, so a snapshot can be embedded in a larger stream.
 */
final class DetectorSnapshot {
  static final int MAGIC = 0x44574453;

  /** Written version. 2 added the linker's account hashes; version 1 snapshots still restore. */
  static final int VERSION = 2;

  private static final String[] SECTIONS = {
    "header",
    "counters",
    "linker",
    "models",
    "calibrators",
    "combiners",
    "threshold",
    "novelty",
    "ids",
    "profiles",
    "trailer"
  };
  private static final int COUNTERS = 1;
  private static final int LINKER = 2;
  private static final int MODELS = 3;
  private static final int CALIBRATORS = 4;
  private static final int COMBINERS = 5;
  private static final int THRESHOLD = 6;
  private static final int NOVELTY = 7;
  private static final int IDS = 8;
  private static final int PROFILES = 9;
  private static final int TRAILER = 10;

  private DetectorSnapshot() {}

  static void write(ExtractionDetector d, OutputStream sink) throws IOException {
    ChecksumOutput checked = new ChecksumOutput(sink);
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(checked, 1 << 16));
    out.writeInt(MAGIC);
    out.writeShort(VERSION);

    out.writeByte(COUNTERS);
    for (long v :
        new long[] {
          d.streamStart,
          d.streamTime,
          d.exchanges,
          d.novelTotal,
          d.reasoningTotal,
          d.highValueTotal,
          d.evictedIdle,
          d.evictedCap,
          d.accountAlerts,
          d.clusterAlerts
        }) {
      out.writeLong(v);
    }

    out.writeByte(LINKER);
    d.linker.writeTo(out);

    out.writeByte(MODELS);
    d.models.writeTo(out);

    out.writeByte(CALIBRATORS);
    Calibrator[][] calibrators = d.calibrators;
    out.writeByte(calibrators.length);
    out.writeByte(calibrators[0].length);
    for (Calibrator[] perSignal : calibrators) {
      for (Calibrator c : perSignal) {
        c.writeTo(out);
      }
    }

    out.writeByte(COMBINERS);
    d.contentCombiner.writeTo(out);
    d.behaviourCombiner.writeTo(out);

    out.writeByte(THRESHOLD);
    d.threshold.writeTo(out);

    out.writeByte(NOVELTY);
    d.novelty.writeTo(out);

    out.writeByte(IDS);
    int accounts = d.linker.accounts();
    out.writeInt(accounts);
    for (int i = 0; i < accounts; i++) {
      writeString(out, d.idsByIndex[i]);
    }

    out.writeByte(PROFILES);
    out.writeInt(d.profiles.size());
    for (AccountProfile p : d.profiles.values()) { // iteration does not change access order
      p.writeTo(out);
    }
    out.flush();

    DataOutputStream trailer = new DataOutputStream(sink);
    trailer.writeLong(checked.count);
    trailer.writeInt((int) checked.crc.getValue());
    trailer.flush();
  }

  static ExtractionDetector read(InputStream source, DetectorConfig config) throws IOException {
    ChecksumInput checked = new ChecksumInput(source);
    DataInputStream in = new DataInputStream(checked);
    int[] section = {0};
    try {
      ExtractionDetector d = readBody(in, config, section);
      section[0] = TRAILER;
      long count = checked.count;
      int crc = (int) checked.crc.getValue();
      long storedCount = in.readLong();
      int storedCrc = in.readInt();
      if (storedCount != count) {
        throw new SnapshotFormatException(
            "snapshot trailer says " + storedCount + " bytes, but " + count + " were read");
      }
      if (storedCrc != crc) {
        throw new SnapshotFormatException(
            String.format(
                "snapshot checksum mismatch: stored CRC32C %08x, computed %08x (corrupt data)",
                storedCrc, crc));
      }
      return d;
    } catch (SnapshotFormatException e) {
      throw e;
    } catch (EOFException e) {
      throw new SnapshotFormatException(
          "snapshot truncated in section '" + SECTIONS[section[0]] + "'", e);
    } catch (IOException e) {
      if (e == checked.failure) {
        throw e; // the stream itself failed: not a format problem
      }
      throw corrupt(section[0], e.getMessage(), e);
    } catch (RuntimeException e) {
      throw corrupt(section[0], e.toString(), e);
    }
  }

  private static SnapshotFormatException corrupt(int section, String what, Throwable cause) {
    return new SnapshotFormatException(
        "corrupt snapshot in section '" + SECTIONS[section] + "': " + what, cause);
  }

  private static ExtractionDetector readBody(
      DataInputStream in, DetectorConfig config, int[] section) throws IOException {
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new SnapshotFormatException(
          String.format(
              "not a detector snapshot: magic 0x%08x, expected 0x%08x (\"DWDS\")", magic, MAGIC));
    }
    int version = in.readUnsignedShort();
    if (version != VERSION && version != 1) {
      throw new SnapshotFormatException(
          "unsupported detector snapshot format version "
              + version
              + "; this build reads versions 1 and "
              + VERSION);
    }

    expect(in, COUNTERS, section);
    long[] counters = new long[10];
    for (int i = 0; i < counters.length; i++) {
      counters[i] = in.readLong();
    }
    for (int i = 2; i < counters.length; i++) {
      if (counters[i] < 0) {
        throw corrupt(COUNTERS, "counter " + i + " is negative: " + counters[i], null);
      }
    }

    expect(in, LINKER, section);
    HydraLinker linker = HydraLinker.readFrom(in, config.linkerBuilder(), version);
    // Everything else is read into a detector nobody else can see yet: it is returned only when
    // the whole snapshot has been read and its checksum matched.
    ExtractionDetector d = new ExtractionDetector(config, linker);

    expect(in, MODELS, section);
    d.models.readFrom(in);

    expect(in, CALIBRATORS, section);
    int signals = in.readUnsignedByte();
    int strata = in.readUnsignedByte();
    if (signals != d.calibrators.length || strata != d.calibrators[0].length) {
      throw corrupt(
          CALIBRATORS,
          signals
              + " x "
              + strata
              + " calibrators, expected "
              + d.calibrators.length
              + " x "
              + d.calibrators[0].length,
          null);
    }
    for (Calibrator[] perSignal : d.calibrators) {
      for (Calibrator c : perSignal) {
        c.readFrom(in);
      }
    }

    expect(in, COMBINERS, section);
    d.contentCombiner.readFrom(in);
    d.behaviourCombiner.readFrom(in);

    expect(in, THRESHOLD, section);
    d.threshold.readFrom(in);

    expect(in, NOVELTY, section);
    d.novelty.readFrom(in);

    expect(in, IDS, section);
    int accounts = in.readInt();
    if (accounts != linker.accounts()) {
      throw corrupt(IDS, accounts + " ids for " + linker.accounts() + " linked accounts", null);
    }
    String[] ids = new String[1024];
    for (int i = 0; i < accounts; i++) {
      if (i == ids.length) {
        ids = Arrays.copyOf(ids, ids.length * 2);
      }
      ids[i] = readString(in);
    }
    d.idsByIndex = ids;

    expect(in, PROFILES, section);
    int live = in.readInt();
    if (live < 0 || live > accounts || live != linker.liveAccounts()) {
      throw corrupt(
          PROFILES, live + " profiles, linker has " + linker.liveAccounts() + " live", null);
    }
    Set<Long> allowedOrgs = new HashSet<>();
    for (String org : config.allowlistedOrgs()) {
      long h = AccountProfile.hash(org);
      if (h != 0) {
        allowedOrgs.add(h);
      }
    }
    for (int i = 0; i < live; i++) {
      AccountProfile p = AccountProfile.readFrom(in);
      if (p.index < 0 || p.index >= accounts || !p.accountId.equals(ids[p.index])) {
        throw corrupt(
            PROFILES,
            "profile '" + p.accountId + "' has index " + p.index + " of another account",
            null);
      }
      if (p.exchanges < 1) {
        throw corrupt(PROFILES, "profile '" + p.accountId + "' has no exchanges", null);
      }
      // The allowlist is the caller's configuration: re-apply it, as newProfile() would have.
      p.allowlisted =
          config.allowlistedAccounts().contains(p.accountId) || allowedOrgs.contains(p.orgHash);
      if (d.profiles.put(p.accountId, p) != null) {
        throw corrupt(PROFILES, "profile '" + p.accountId + "' appears twice", null);
      }
    }
    // A lower cap than the original's applies now, least recently active first, as in observe().
    if (d.profiles.size() > config.maxAccounts()) {
      Iterator<AccountProfile> eldest = d.profiles.values().iterator();
      while (d.profiles.size() > config.maxAccounts()) {
        eldest.next();
        eldest.remove();
        counters[7]++;
      }
      linker.liveAccounts(d.profiles.size());
    }

    d.streamStart = counters[0];
    d.streamTime = counters[1];
    d.exchanges = counters[2];
    d.novelTotal = counters[3];
    d.reasoningTotal = counters[4];
    d.highValueTotal = counters[5];
    d.evictedIdle = counters[6];
    d.evictedCap = counters[7];
    d.accountAlerts = counters[8];
    d.clusterAlerts = counters[9];
    section[0] = TRAILER;
    return d;
  }

  private static void expect(DataInputStream in, int tag, int[] section) throws IOException {
    section[0] = tag;
    int found = in.readUnsignedByte();
    if (found != tag) {
      throw new SnapshotFormatException(
          "expected section '" + SECTIONS[tag] + "' (tag " + tag + "), found tag " + found);
    }
  }

  private static final int MAX_STRING_BYTES = 1 << 20;

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_STRING_BYTES) {
      throw new IOException("string length " + n + " out of [0, " + MAX_STRING_BYTES + "]");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Counts and checksums the bytes passed to the sink. */
  private static final class ChecksumOutput extends FilterOutputStream {
    final CRC32C crc = new CRC32C();
    long count;

    ChecksumOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      crc.update(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      crc.update(b, off, len);
      count += len;
    }
  }

  /**
   * Counts and checksums the bytes read, and remembers an exception of the underlying stream so it
   * is passed on as an I/O failure rather than reported as corrupt data.
   */
  private static final class ChecksumInput extends FilterInputStream {
    final CRC32C crc = new CRC32C();
    long count;
    IOException failure;

    ChecksumInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b;
      try {
        b = in.read();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      if (b >= 0) {
        crc.update(b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      if (n > 0) {
        crc.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) {
      return 0; // never skip: every byte must be checksummed
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
