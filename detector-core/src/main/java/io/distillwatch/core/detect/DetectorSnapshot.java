package io.distillwatch.core.detect;

import io.distillwatch.core.link.LinkStage;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Writes and reads the complete learned state of an {@link ExtractionDetector}: a restored detector
 * fed the rest of a stream emits exactly the alerts of one that never stopped, and its own snapshot
 * is byte-identical to the original's.
 *
 * <p>Serial form, version 7. Big-endian ({@link java.io.DataOutput}). Every section starts with a
 * one-byte tag, so a damaged stream is reported by the section it broke in.
 *
 * <pre>
 * offset  size        field
 * 0       4           magic 0x44574453 ("DWDS")
 * 4       2           format version (7; 3 to 6 are still read)
 * 6                   sections, in this order:
 *   tag 1 COUNTERS    2 longs: evictedIdle, evictedCap
 *   tag 7 PROMPTS     PromptStage form: the novelty filter (from version 5)
 *   tag 2 ACCOUNTS    AccountStage form (see AccountStage#writeTo): counters, models, template
 *                     rarity table, live-account count (form 2; versions 3 and 4 have form 1,
 *                     with the calibration and the novelty filter before the rarity table and no
 *                     live-account count)
 *   tag 3 LINKS       LinkStage form: its key map, least recently used first
 *   tag 4 CLUSTERS    ClusterStage form: threshold, calibration (form 3; versions 3 and 4 have
 *                     form 2, without it), linker (union-find, clusters) and per-account alert
 *                     and evaluation state; the linker's form has its own version byte: 4 in
 *                     versions 4 and 5, 3 in version 3
 *   tag 5 PROFILES    byte profile form version, int n (live profiles), n x AccountProfile form,
 *                     least recently accessed first (the access order idle eviction walks)
 * end-12  8           byte count of everything before this field
 * end-4   4           CRC32C of everything before the byte count
 * </pre>
 *
 * <p>Versions 1 and 2 were written by the single-stage detector of the 0.1.0 pre-release, whose
 * linker state has no equivalent in the staged one; they are refused with a message saying so.
 * Version 3 differs from 4 only inside the cluster stage: its linker form (3) ends with a key table
 * from when the linker decided rarity itself, which the linker reads past; a version 3 snapshot
 * restores to the same detector, and its own snapshot is then version 5. Version 5 moved the
 * novelty filter out of the account stage into its own prompt stage section, and the calibration
 * (calibrators, combiners, the account-level threshold) and each account's evaluation state (own
 * flag, threshold bin, candidate band, kept in the profile until then) into the cluster stage, and
 * added the account stage's live-account count. An older snapshot's filter and calibration are read
 * from its account stage section, and each restored profile's evaluation state is handed to the
 * cluster stage; the profile form keeps those fields, unused, so profiles of every version read
 * alike. Its live-account count is rebuilt from the restored profiles, which gives the count the
 * detector would have kept.
 *
 * <p>Implementation notes. The writer streams through a 64 KiB buffer; the checksum is a trailer,
 * so reading cannot check it before parsing. Instead every count is range-checked as it is read,
 * and the detector is assembled privately and returned only after the trailer matched: corrupt
 * input gives a {@link SnapshotFormatException}, never a detector. The reader takes exactly the
 * snapshot's bytes from its stream and nothing beyond, so a snapshot can be embedded in a larger
 * stream.
 */
final class DetectorSnapshot {
  static final int MAGIC = 0x44574453;

  /**
   * Written version. 3: the staged detector (account, link and cluster stages); 4: linker form 4,
   * without the linker's key table; 5: the prompt stage (novelty) before the account stage, the
   * calibration in the cluster stage, and the account stage's live-account count; 6: account
   * profiles of form 3 (the reused-template set), the rest as in 5; 7: account profiles of form 4
   * and the windows, EWMAs, inter-arrival statistics and hour histograms in their version 2 forms
   * (varints), the rest as in 6. Each primitive and the profiles say their own version, so 6 and 7
   * are read alike.
   */
  static final int VERSION = 7;

  /** The oldest version read. */
  static final int OLDEST_READ = 3;

  private static final String[] SECTIONS = {
    "header",
    "counters",
    "account stage",
    "link stage",
    "cluster stage",
    "profiles",
    "trailer",
    "prompt stage"
  };
  private static final int COUNTERS = 1;
  private static final int ACCOUNTS = 2;
  private static final int LINKS = 3;
  private static final int CLUSTERS = 4;
  private static final int PROFILES = 5;
  private static final int TRAILER = 6;
  private static final int PROMPTS = 7;

  private DetectorSnapshot() {}

  static void write(ExtractionDetector d, OutputStream sink) throws IOException {
    ChecksumOutput checked = new ChecksumOutput(sink);
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(checked, 1 << 16));
    out.writeInt(MAGIC);
    out.writeShort(VERSION);
    out.writeByte(COUNTERS);
    out.writeLong(d.evictedIdle);
    out.writeLong(d.evictedCap);
    out.writeByte(PROMPTS);
    d.prompts.writeTo(out);
    out.writeByte(ACCOUNTS);
    d.accounts.writeTo(out);
    out.writeByte(LINKS);
    d.links.writeTo(out);
    out.writeByte(CLUSTERS);
    d.clusters.writeTo(out);
    out.writeByte(PROFILES);
    out.writeByte(AccountProfile.FORM_VERSION);
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
      if (section[0] == 0 || section[0] == TRAILER || e.getMessage().startsWith("corrupt")) {
        throw e;
      }
      throw corrupt(section[0], e.getMessage(), e);
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
    if (version == 1 || version == 2) {
      throw new SnapshotFormatException(
          "detector snapshot format version "
              + version
              + " was written by the single-stage 0.1.0 pre-release and cannot be restored by"
              + " this build (version "
              + VERSION
              + "); rebuild the state by replaying the stream");
    }
    if (version < OLDEST_READ || version > VERSION) {
      throw new SnapshotFormatException(
          "unsupported detector snapshot format version "
              + version
              + "; this build reads versions "
              + OLDEST_READ
              + " to "
              + VERSION);
    }
    expect(in, COUNTERS, section);
    long evictedIdle = in.readLong();
    long evictedCap = in.readLong();
    if (evictedIdle < 0 || evictedCap < 0) {
      throw corrupt(COUNTERS, "negative eviction count", null);
    }
    PromptStage prompts;
    if (version >= 5) {
      expect(in, PROMPTS, section);
      prompts = PromptStage.readFrom(in, config);
    } else {
      prompts = new PromptStage(config); // its filter is in the account stage's form 1
    }
    expect(in, ACCOUNTS, section);
    Calibration legacyCalibration = new Calibration(config);
    AccountStage accounts = AccountStage.readFrom(in, config, prompts, legacyCalibration);
    expect(in, LINKS, section);
    LinkStage links = config.newLinkStage();
    links.readFrom(in);
    expect(in, CLUSTERS, section);
    ClusterStage clusters = ClusterStage.readFrom(in, config);
    if (version < 5) {
      clusters.calibration = legacyCalibration; // the account stage's form 1 held it
    }
    // Everything is read into a detector nobody else can see yet: it is returned only when the
    // whole snapshot has been read and its checksum matched.
    ExtractionDetector d = new ExtractionDetector(config, prompts, accounts, links, clusters);

    expect(in, PROFILES, section);
    int form = in.readUnsignedByte();
    int live = in.readInt();
    if (live < 0) {
      throw corrupt(PROFILES, live + " profiles", null);
    }
    Set<Long> allowedOrgs = new HashSet<>();
    for (String org : config.allowlistedOrgs()) {
      long h = AccountProfile.hash(org);
      if (h != 0) {
        allowedOrgs.add(h);
      }
    }
    for (int i = 0; i < live; i++) {
      AccountProfile p = AccountProfile.readFrom(in, form);
      // The allowlist is the caller's configuration: re-apply it, as a new profile would have.
      p.allowlisted =
          config.allowlistedAccounts().contains(p.accountId) || allowedOrgs.contains(p.orgHash);
      if (d.profiles.put(p) != null) {
        throw corrupt(PROFILES, "profile '" + p.accountId + "' appears twice", null);
      }
      if (version < 5) {
        clusters.adoptEvaluationState(p.accountId, p.firstSeen, p.flaggedAt, p.maxBin, p.alertBand);
      }
    }
    accounts.recountLive(d.profiles.values());
    // A lower cap than the original's applies now, least recently active first, as in observe().
    while (d.profiles.size() > config.maxAccounts()) {
      accounts.live.forget(d.profiles.eldest().lastSeen);
      d.profiles.removeEldest();
      evictedCap++;
    }
    d.evictedIdle = evictedIdle;
    d.evictedCap = evictedCap;
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
