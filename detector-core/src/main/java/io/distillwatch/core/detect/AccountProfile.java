package io.distillwatch.core.detect;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.Varints;
import io.distillwatch.core.sketch.Hash64;
import io.distillwatch.core.sketch.HyperLogLog;
import io.distillwatch.core.sketch.MinHash;
import io.distillwatch.core.stats.Ewma;
import io.distillwatch.core.stats.HourOfDayHistogram;
import io.distillwatch.core.stats.InterArrivalStats;
import io.distillwatch.core.window.SlidingWindow;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The bounded state the detector keeps per account: windows, counters and small sketches, updated
 * in O(1) per exchange with no allocation.
 *
 * <p>Implementation notes: the sketches are sized for a serialized profile under 1 KiB with an
 * account id of up to 200 characters (see {@code AccountProfileTest}): HyperLogLog at precision 6
 * (64 six-bit registers, 13% standard error, ample for "how many distinct IPs per exchange"), a
 * 16-bin MinHash of the template set for LSH linking and an 8-bin one of the templates the account
 * came back to, a 24 x 1 h window for the current rate and a 14 x 1 day window for the baseline.
 */
public final class AccountProfile {
  /**
   * Version of the {@link #writeTo} form: 2 dropped the linker index and added link state; 3 added
   * the set of reused templates ({@link #reusedSet}) and dropped the four evaluation fields that
   * only snapshots before detector snapshot version 5 carried; 4 writes counters, token totals and
   * times as varints, a hash that is 0 as one flag bit instead of 8 bytes, and the primitives in
   * their version 2 forms (about 170 bytes less: 814 to 830 bytes where form 3 took 979 to 994).
   */
  public static final int FORM_VERSION = 4;

  /**
   * {@link #FORM_VERSION}, read when called: javac copies the constant into the classes that use
   * it, so code in another module (the Flink job's serializers) that names the constant keeps the
   * value it was compiled against until it is recompiled, while this method returns the form
   * version of the detector-core it runs with.
   */
  public static int formVersion() {
    return FORM_VERSION;
  }

  static final int HLL_PRECISION = 6;
  static final int MINHASH_BINS = 16;

  /** Bins of {@link #reusedSet}: half of {@link #MINHASH_BINS}, to keep the profile in 1 KiB. */
  static final int REUSED_BINS = 8;

  /** Salt of a template's first-use slot and fingerprint (independent of the MinHash's own). */
  private static final long FIRST_USE_SALT = 0x243F6A8885A308D3L;

  static final long HOUR = 3_600_000L;
  static final long DAY = 24 * HOUR;

  final String accountId;

  /** Hash of {@link #accountId} (never 0): the account's identity in link and cluster stages. */
  final long accountHash;

  /**
   * A second hash of {@link #accountId}, independent of {@link #accountHash} ({@link #check}): with
   * it, the profile map tells accounts apart without reading their id strings.
   */
  final long accountCheck;

  /** Payment instrument last sent to the link stage (it needs each one once). */
  long linkedPayment;

  /** Digest of the template-set bands last sent to the link stage. */
  long bandsDigest;

  /** Digest of the reused-template bands last sent to the link stage. */
  long reusedDigest;

  long firstSeen;
  long lastSeen;
  long exchanges;
  long orgHash;
  long paymentHash;
  long outputTokens;
  long inputTokens;
  int reasoning;
  int highValue;
  int toolUse;

  /** Exchanges whose prompt was new to the whole population, and their output tokens. */
  int novel;

  long novelOutputTokens;

  final SlidingWindow hourly;
  final SlidingWindow daily;
  final HyperLogLog templates;

  /**
   * Distinct prompts new to the population that the account sent under a template rare in the
   * population (used by no more accounts than the template rarity cap): its own templated
   * generation, as opposed to new prompts under a template thousands of unrelated accounts use,
   * such as an IDE agent's system prompt. Added to by the account stage, which knows the template's
   * rarity. A profile written before this sketch had that meaning holds every prompt the account
   * sent here; {@code template_structure} caps it by {@link #novel}, which gives what the signal
   * counted then.
   */
  final HyperLogLog novelOnRare;

  final HyperLogLog ips;
  final HyperLogLog asns;
  final InterArrivalStats gaps;
  final HourOfDayHistogram hours;
  final MinHash templateSet;

  /**
   * The rare templates the account used more than once, as far as {@link #firstUsesLow} and {@link
   * #firstUsesHigh} remember: the templates its own traffic comes back to. An operator's template
   * pool is reused by each of its accounts; a prompt sent without a template carries a template
   * hash of its own that no second exchange repeats. In {@link #templateSet} those one-off hashes
   * take more and more of the bins as an account ages (an account that mixes a pool of 40 templates
   * with free-form prompts holds 43 to 68 distinct templates after a thousand exchanges), until two
   * accounts of one operator share no band; here they stay out, so the pool keeps the bins.
   */
  final MinHash reusedSet;

  /**
   * The first-use table: 16 one-byte fingerprints (never 0; 0 is an empty slot) of rare templates
   * the account used, direct-mapped by template (slots 0-7 in the low word, 8-15 in the high). A
   * template whose slot holds its fingerprint when it is used again has been used before, and is
   * added to {@link #reusedSet}. A slot keeps the template that last took it, so a pool template is
   * recognised when no other template took its slot between two of its uses: of a pool of 40 used
   * in turn, about one use in twelve, and each of a pool template's many uses is another chance. A
   * one-off template is taken for reused only if its slot holds an equal fingerprint by chance,
   * about 1 in 254 (fingerprints are the low byte, with 0 taken as 1). Two words, not an array: no
   * object, no bounds check, 16 bytes of form.
   */
  long firstUsesLow;

  long firstUsesHigh;

  /** Distinct templates that were rare (not yet common in the population) when used. */
  final HyperLogLog rareTemplates;

  /** Hash of the model of the account's latest exchange, and when it moved onto it. */
  long modelHash;

  long modelAdoptedAt;

  /** A new model the account adopted within the pivot window of its first appearance, or 0. */
  long earlyModelHash;

  /** Event-time share of recent exchanges on {@link #earlyModelHash} (half-life 12 h). */
  final Ewma pivot;

  /** Detector bookkeeping: next exchange count at which the account is evaluated. */
  long nextEvaluationAt;

  long lastEvaluatedTime;

  // The next four are kept only as read from a profile of form 1 or 2 in a detector snapshot older
  // than version 5, which hands them to the cluster stage (where evaluation state lives since);
  // form 3 no longer writes them, and a profile of any form keeps the defaults once restored.

  /** Last combined evidence ({@code -log10} of the combined tail probability). */
  double evidence;

  /** Bin of the account's maximum evidence in the threshold calibration (see there). */
  int maxBin = ThresholdCalibrator.NONE;

  /** Highest alert band emitted for this account; 0 = never alerted. */
  int alertBand;

  long flaggedAt = Long.MIN_VALUE;

  /** Whether the account belongs to the allowlist (by account or organisation). */
  boolean allowlisted;

  /**
   * The template, IP and ASN hashes last added to {@link #templates}, {@link #ips} and {@link
   * #asns} (0: none yet). Adding a hash a HyperLogLog already holds changes nothing (registers only
   * grow), and an account mostly repeats its previous exchange's keys, so {@link #update} skips
   * those adds and with them two memory reads each (the sketch and its registers), the likely cache
   * misses of an account last seen 100k exchanges ago. Not part of the profile's form: a restored
   * profile adds its first keys again, which changes nothing either.
   */
  private long lastTemplate;

  /**
   * The template {@link #addRareTemplate} last added to the template sets, and the template of its
   * previous call if that call found it in the first-use table and added it to {@link #reusedSet}
   * (0: none). A repeat of that template would find it again (a hit changes no slot) and add it
   * again, which changes nothing. Not part of the form either, for the same reason.
   */
  private long lastRare;

  private long lastReused;

  private long lastIp;
  private long lastAsn;

  AccountProfile(String accountId) {
    this(
        accountId,
        SlidingWindow.builder().buckets(24).bucketMillis(HOUR).allowedLatenessMillis(HOUR).build(),
        SlidingWindow.builder().buckets(14).bucketMillis(DAY).allowedLatenessMillis(DAY).build(),
        new HyperLogLog(HLL_PRECISION),
        new HyperLogLog(HLL_PRECISION),
        new HyperLogLog(HLL_PRECISION),
        new HyperLogLog(HLL_PRECISION),
        new InterArrivalStats(),
        new HourOfDayHistogram(),
        new MinHash(MINHASH_BINS),
        new MinHash(REUSED_BINS),
        new HyperLogLog(HyperLogLog.MIN_PRECISION),
        new Ewma(12 * HOUR));
  }

  private AccountProfile(
      String accountId,
      SlidingWindow hourly,
      SlidingWindow daily,
      HyperLogLog templates,
      HyperLogLog novelOnRare,
      HyperLogLog ips,
      HyperLogLog asns,
      InterArrivalStats gaps,
      HourOfDayHistogram hours,
      MinHash templateSet,
      MinHash reusedSet,
      HyperLogLog rareTemplates,
      Ewma pivot) {
    this.accountId = accountId;
    this.accountHash = nonZero(Hash64.hash(accountId));
    this.accountCheck = check(accountId);
    this.hourly = hourly;
    this.daily = daily;
    this.templates = templates;
    this.novelOnRare = novelOnRare;
    this.ips = ips;
    this.asns = asns;
    this.gaps = gaps;
    this.hours = hours;
    this.templateSet = templateSet;
    this.reusedSet = reusedSet;
    this.rareTemplates = rareTemplates;
    this.pivot = pivot;
  }

  /** Folds one exchange into the profile; {@code hashes} carries the exchange's key hashes. */
  void update(Exchange e, KeyHashes hashes, boolean novelPrompt) {
    long ts = e.timestamp();
    if (exchanges == 0) {
      firstSeen = ts;
      orgHash = hashes.org;
      paymentHash = hashes.payment;
    } else if (paymentHash == 0) {
      paymentHash = hashes.payment;
    }
    exchanges++;
    lastSeen = Math.max(lastSeen, ts);
    outputTokens += e.outputTokens();
    inputTokens += e.inputTokens();
    if (novelPrompt) {
      // The content counters only count what is new to the world: that is what a distiller buys.
      novel++;
      novelOutputTokens += e.outputTokens();
      if (e.reasoningRequested()) {
        reasoning++;
      }
      Category c = e.category();
      if (c.highValue() || e.toolCalls() > 0) {
        highValue++;
      }
    }
    if (e.toolCalls() > 0) {
      toolUse++;
    }
    hourly.add(ts);
    daily.add(ts);
    long template = hashes.template;
    if (template != 0 && template != lastTemplate) {
      templates.add(template);
      lastTemplate = template;
    }
    long ip = hashes.ip;
    if (ip != 0 && ip != lastIp) {
      ips.add(ip);
      lastIp = ip;
    }
    long asn = hashes.asn;
    if (asn != 0 && asn != lastAsn) {
      asns.add(asn);
      lastAsn = asn;
    }
    gaps.add(ts);
    hours.add(ts);
  }

  /**
   * Records the use of a template that is rare in the population: it joins {@link #templateSet} and
   * {@link #rareTemplates}, and {@link #reusedSet} if the first-use table recognises it.
   */
  void addRareTemplate(long template) {
    // An account mostly repeats its previous template: adding it again to the sketches changes
    // nothing, and skipping the adds skips reading three objects, likely cache misses in a profile
    // last touched 100k exchanges ago (as lastTemplate does for update). A purge that may have
    // dropped the template resets both (forgetRecentTemplates).
    if (template != lastRare) {
      templateSet.add(template);
      rareTemplates.add(template);
      lastRare = template;
    }
    if (template == lastReused) {
      return;
    }
    long h = Hash64.mix(template ^ FIRST_USE_SALT);
    int shift = (int) (h >>> 61) << 3; // slot: the word by bit 60, the byte by bits 61-63
    long fingerprint = h & 0xFF;
    fingerprint |= (fingerprint - 1) >>> 63; // 0 (an empty slot) becomes 1, without a branch
    boolean high = (h & (1L << 60)) != 0;
    long word = high ? firstUsesHigh : firstUsesLow;
    if (((word >>> shift) & 0xFF) == fingerprint) {
      reusedSet.add(template);
      lastReused = template;
      return;
    }
    word = (word & ~(0xFFL << shift)) | (fingerprint << shift);
    lastReused = 0; // the slot it took may be the last reused template's
    if (high) {
      firstUsesHigh = word;
    } else {
      firstUsesLow = word;
    }
  }

  /**
   * Forgets which template {@link #addRareTemplate} added last, so that it adds the next one
   * whatever it is: call after removing features from the template sets.
   */
  void forgetRecentTemplates() {
    lastRare = 0;
    lastReused = 0;
  }

  /** The account this profile describes. */
  public String accountId() {
    return accountId;
  }

  /** Event time of the account's latest exchange. */
  public long lastSeen() {
    return lastSeen;
  }

  /** Exchanges folded into this profile. */
  public long exchanges() {
    return exchanges;
  }

  /** Distinct active days, estimated from the span; at least one. */
  double activeDays() {
    return Math.max(1.0, (lastSeen - firstSeen) / (double) DAY);
  }

  // Form 4's flag bits: which of the hashes are written (a 0 is not), and the allowlist.
  private static final int HAS_LINKED_PAYMENT = 1;
  private static final int HAS_BANDS_DIGEST = 1 << 1;
  private static final int HAS_REUSED_DIGEST = 1 << 2;
  private static final int HAS_ORG = 1 << 3;
  private static final int HAS_PAYMENT = 1 << 4;
  private static final int HAS_MODEL = 1 << 5;
  private static final int HAS_EARLY_MODEL = 1 << 6;
  private static final int ALLOWLISTED = 1 << 7;

  /**
   * Writes the profile. Layout (form version 4; varints and zigzags as in {@link Varints}), in
   * order: UTF account id; a flags byte (bits 0-6: linked payment, template-set bands digest,
   * reused bands digest, org hash, payment hash, model hash and early model hash are nonzero; bit
   * 7: allowlisted); the linked payment, bands digest and reused digest as longs, each only if its
   * flag is set; zigzag firstSeen, zigzag lastSeen - firstSeen, varint exchanges; org and payment
   * hashes as longs if flagged; varints outputTokens, inputTokens, reasoning, highValue, toolUse,
   * novel, novelOutputTokens; the hourly and daily windows; four HyperLogLogs with varint lengths
   * (templates, novel prompts on rare templates, ips, asns); inter-arrival stats; hour-of-day
   * histogram; the template set's and the reused templates' MinHashes with varint lengths; the two
   * first-use words as longs; the rare-template HyperLogLog with a varint length; the model hash as
   * a long if flagged, zigzag modelAdoptedAt, the early model hash as a long if flagged, the pivot
   * EWMA; zigzag nextEvaluationAt and lastEvaluatedTime. The version is written once per snapshot
   * (or per Flink serializer snapshot), not per profile.
   *
   * <p>Form 3 (still read): the UTF id, the three link longs, the seven longs firstSeen to
   * inputTokens, four ints, a long of novel output tokens, the windows, HyperLogLogs and MinHashes
   * with unsigned-short lengths, inter-arrival stats, histogram, first-use words, model state (3
   * longs and the EWMA), two longs of bookkeeping and the allowlisted boolean, in the order above.
   * Form 2 had no reused digest, reused MinHash or first-use words; forms 1 and 2 then carried a
   * double, two ints and a long of evaluation state after the bookkeeping; form 1 an int linker
   * index in place of the linked payment and bands digest.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeUTF(accountId);
    int flags =
        flag(linkedPayment, HAS_LINKED_PAYMENT)
            | flag(bandsDigest, HAS_BANDS_DIGEST)
            | flag(reusedDigest, HAS_REUSED_DIGEST)
            | flag(orgHash, HAS_ORG)
            | flag(paymentHash, HAS_PAYMENT)
            | flag(modelHash, HAS_MODEL)
            | flag(earlyModelHash, HAS_EARLY_MODEL)
            | (allowlisted ? ALLOWLISTED : 0);
    out.writeByte(flags);
    writeIf(out, flags, HAS_LINKED_PAYMENT, linkedPayment);
    writeIf(out, flags, HAS_BANDS_DIGEST, bandsDigest);
    writeIf(out, flags, HAS_REUSED_DIGEST, reusedDigest);
    Varints.writeSigned(firstSeen, out);
    Varints.writeSigned(lastSeen - firstSeen, out);
    Varints.writeUnsigned(exchanges, out);
    writeIf(out, flags, HAS_ORG, orgHash);
    writeIf(out, flags, HAS_PAYMENT, paymentHash);
    Varints.writeUnsigned(outputTokens, out);
    Varints.writeUnsigned(inputTokens, out);
    Varints.writeUnsigned(reasoning, out);
    Varints.writeUnsigned(highValue, out);
    Varints.writeUnsigned(toolUse, out);
    Varints.writeUnsigned(novel, out);
    Varints.writeUnsigned(novelOutputTokens, out);
    hourly.writeTo(out);
    daily.writeTo(out);
    writeSketch(out, templates.toBytes());
    writeSketch(out, novelOnRare.toBytes());
    writeSketch(out, ips.toBytes());
    writeSketch(out, asns.toBytes());
    gaps.writeTo(out);
    hours.writeTo(out);
    writeSketch(out, templateSet.toBytes());
    writeSketch(out, reusedSet.toBytes());
    out.writeLong(firstUsesLow);
    out.writeLong(firstUsesHigh);
    writeSketch(out, rareTemplates.toBytes());
    writeIf(out, flags, HAS_MODEL, modelHash);
    Varints.writeSigned(modelAdoptedAt, out);
    writeIf(out, flags, HAS_EARLY_MODEL, earlyModelHash);
    pivot.writeTo(out);
    Varints.writeSigned(nextEvaluationAt, out);
    Varints.writeSigned(lastEvaluatedTime, out);
  }

  private static int flag(long value, int bit) {
    return value != 0 ? bit : 0;
  }

  private static void writeIf(DataOutput out, int flags, int bit, long value) throws IOException {
    if ((flags & bit) != 0) {
      out.writeLong(value);
    }
  }

  private static long readIf(DataInput in, int flags, int bit) throws IOException {
    return (flags & bit) != 0 ? in.readLong() : 0;
  }

  private static void writeSketch(DataOutput out, byte[] b) throws IOException {
    Varints.writeUnsigned(b.length, out);
    out.write(b);
  }

  static AccountProfile readFrom(DataInput in) throws IOException {
    return readFrom(in, FORM_VERSION);
  }

  /**
   * Reads a profile written by {@link #writeTo} of form {@code version} (1 to 4; a version 1
   * profile's linker index is skipped and its link state starts empty, so its keys are sent to the
   * link stage again, which is harmless; a profile of version 1 or 2 starts with no reused
   * templates, which it learns again from its next exchanges). Corrupt input throws an {@link
   * IOException}; a profile is returned only if every part read and checked.
   */
  public static AccountProfile readFrom(DataInput in, int version) throws IOException {
    if (version < 1 || version > FORM_VERSION) {
      throw new SnapshotFormatException(
          "account profile form version "
              + version
              + " unknown; this build reads 1 to "
              + FORM_VERSION);
    }
    try {
      AccountProfile p = readBody(in, version);
      if (p.exchanges < 0 || (p.exchanges > 0 && p.lastSeen < p.firstSeen)) {
        throw new SnapshotFormatException(
            "account profile '" + p.accountId + "' is inconsistent: " + p.exchanges + " exchanges");
      }
      return p;
    } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
      throw new SnapshotFormatException("corrupt account profile: " + e.getMessage(), e);
    }
  }

  private static AccountProfile readBody(DataInput in, int version) throws IOException {
    if (version >= 4) {
      return readCompact(in);
    }
    String id = in.readUTF();
    long linkedPayment = 0;
    long bandsDigest = 0;
    long reusedDigest = 0;
    if (version == 1) {
      in.readInt();
    } else {
      linkedPayment = in.readLong();
      bandsDigest = in.readLong();
    }
    if (version >= 3) {
      reusedDigest = in.readLong();
    }
    long[] l = new long[7];
    for (int i = 0; i < l.length; i++) {
      l[i] = in.readLong();
    }
    int reasoning = in.readInt();
    int highValue = in.readInt();
    int toolUse = in.readInt();
    int novel = in.readInt();
    long novelOutputTokens = in.readLong();
    SlidingWindow hourly = SlidingWindow.readFrom(in);
    SlidingWindow daily = SlidingWindow.readFrom(in);
    HyperLogLog templates = HyperLogLog.fromBytes(readBytes(in));
    HyperLogLog novelOnRare = HyperLogLog.fromBytes(readBytes(in));
    HyperLogLog ips = HyperLogLog.fromBytes(readBytes(in));
    HyperLogLog asns = HyperLogLog.fromBytes(readBytes(in));
    InterArrivalStats gaps = InterArrivalStats.readFrom(in);
    HourOfDayHistogram hours = HourOfDayHistogram.readFrom(in);
    MinHash templateSet = MinHash.fromBytes(readBytes(in));
    MinHash reusedSet = new MinHash(REUSED_BINS);
    long firstUsesLow = 0;
    long firstUsesHigh = 0;
    if (version >= 3) {
      reusedSet = MinHash.fromBytes(readBytes(in));
      firstUsesLow = in.readLong();
      firstUsesHigh = in.readLong();
    }
    checkBins(id, templateSet, reusedSet);
    HyperLogLog rareTemplates = HyperLogLog.fromBytes(readBytes(in));
    long modelHash = in.readLong();
    long modelAdoptedAt = in.readLong();
    long earlyModelHash = in.readLong();
    Ewma pivot = Ewma.readFrom(in);
    AccountProfile p =
        new AccountProfile(
            id,
            hourly,
            daily,
            templates,
            novelOnRare,
            ips,
            asns,
            gaps,
            hours,
            templateSet,
            reusedSet,
            rareTemplates,
            pivot);
    p.linkedPayment = linkedPayment;
    p.bandsDigest = bandsDigest;
    p.reusedDigest = reusedDigest;
    p.firstUsesLow = firstUsesLow;
    p.firstUsesHigh = firstUsesHigh;
    p.firstSeen = l[0];
    p.lastSeen = l[1];
    p.exchanges = l[2];
    p.orgHash = l[3];
    p.paymentHash = l[4];
    p.outputTokens = l[5];
    p.inputTokens = l[6];
    p.reasoning = reasoning;
    p.highValue = highValue;
    p.toolUse = toolUse;
    p.novel = novel;
    p.novelOutputTokens = novelOutputTokens;
    p.modelHash = modelHash;
    p.modelAdoptedAt = modelAdoptedAt;
    p.earlyModelHash = earlyModelHash;
    p.nextEvaluationAt = in.readLong();
    p.lastEvaluatedTime = in.readLong();
    if (version < 3) {
      p.evidence = in.readDouble();
      p.alertBand = in.readInt();
      p.maxBin = in.readInt();
      p.flaggedAt = in.readLong();
    }
    p.allowlisted = in.readBoolean();
    return p;
  }

  /** Reads form 4 (see {@link #writeTo}). */
  private static AccountProfile readCompact(DataInput in) throws IOException {
    String id = in.readUTF();
    int flags = in.readUnsignedByte();
    long linkedPayment = readIf(in, flags, HAS_LINKED_PAYMENT);
    long bandsDigest = readIf(in, flags, HAS_BANDS_DIGEST);
    long reusedDigest = readIf(in, flags, HAS_REUSED_DIGEST);
    long firstSeen = Varints.readSigned(in);
    long span = Varints.readSigned(in);
    long exchanges = Varints.readNonNegative(in, "account profile exchanges");
    long orgHash = readIf(in, flags, HAS_ORG);
    long paymentHash = readIf(in, flags, HAS_PAYMENT);
    long outputTokens = Varints.readNonNegative(in, "account profile output tokens");
    long inputTokens = Varints.readNonNegative(in, "account profile input tokens");
    int reasoning = Varints.readUnsignedInt(in, "account profile reasoning count");
    int highValue = Varints.readUnsignedInt(in, "account profile high-value count");
    int toolUse = Varints.readUnsignedInt(in, "account profile tool-use count");
    int novel = Varints.readUnsignedInt(in, "account profile novel count");
    long novelOutputTokens = Varints.readNonNegative(in, "account profile novel output tokens");
    SlidingWindow hourly = SlidingWindow.readFrom(in);
    SlidingWindow daily = SlidingWindow.readFrom(in);
    HyperLogLog templates = HyperLogLog.fromBytes(readSketch(in));
    HyperLogLog novelOnRare = HyperLogLog.fromBytes(readSketch(in));
    HyperLogLog ips = HyperLogLog.fromBytes(readSketch(in));
    HyperLogLog asns = HyperLogLog.fromBytes(readSketch(in));
    InterArrivalStats gaps = InterArrivalStats.readFrom(in);
    HourOfDayHistogram hours = HourOfDayHistogram.readFrom(in);
    MinHash templateSet = MinHash.fromBytes(readSketch(in));
    MinHash reusedSet = MinHash.fromBytes(readSketch(in));
    checkBins(id, templateSet, reusedSet);
    long firstUsesLow = in.readLong();
    long firstUsesHigh = in.readLong();
    HyperLogLog rareTemplates = HyperLogLog.fromBytes(readSketch(in));
    long modelHash = readIf(in, flags, HAS_MODEL);
    long modelAdoptedAt = Varints.readSigned(in);
    long earlyModelHash = readIf(in, flags, HAS_EARLY_MODEL);
    Ewma pivot = Ewma.readFrom(in);
    AccountProfile p =
        new AccountProfile(
            id,
            hourly,
            daily,
            templates,
            novelOnRare,
            ips,
            asns,
            gaps,
            hours,
            templateSet,
            reusedSet,
            rareTemplates,
            pivot);
    p.linkedPayment = linkedPayment;
    p.bandsDigest = bandsDigest;
    p.reusedDigest = reusedDigest;
    p.firstUsesLow = firstUsesLow;
    p.firstUsesHigh = firstUsesHigh;
    p.firstSeen = firstSeen;
    p.lastSeen = firstSeen + span;
    p.exchanges = exchanges;
    p.orgHash = orgHash;
    p.paymentHash = paymentHash;
    p.outputTokens = outputTokens;
    p.inputTokens = inputTokens;
    p.reasoning = reasoning;
    p.highValue = highValue;
    p.toolUse = toolUse;
    p.novel = novel;
    p.novelOutputTokens = novelOutputTokens;
    p.modelHash = modelHash;
    p.modelAdoptedAt = modelAdoptedAt;
    p.earlyModelHash = earlyModelHash;
    p.nextEvaluationAt = Varints.readSigned(in);
    p.lastEvaluatedTime = Varints.readSigned(in);
    p.allowlisted = (flags & ALLOWLISTED) != 0;
    return p;
  }

  private static byte[] readSketch(DataInput in) throws IOException {
    int n = Varints.readUnsignedInt(in, "account profile sketch length");
    if (n > MAX_SKETCH_BYTES) {
      throw new SnapshotFormatException(
          "corrupt account profile: a sketch of " + n + " bytes, over " + MAX_SKETCH_BYTES);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  /** Longest sketch form in a profile: far above the 136 bytes of its largest, a 16-bin MinHash. */
  private static final int MAX_SKETCH_BYTES = 4096;

  private static void checkBins(String id, MinHash templateSet, MinHash reusedSet)
      throws SnapshotFormatException {
    if (templateSet.k() != MINHASH_BINS || reusedSet.k() != REUSED_BINS) {
      throw new SnapshotFormatException(
          "account profile '"
              + id
              + "' has template sets of "
              + templateSet.k()
              + " and "
              + reusedSet.k()
              + " bins; this build keeps "
              + MINHASH_BINS
              + " and "
              + REUSED_BINS);
    }
  }

  private static byte[] readBytes(DataInput in) throws IOException {
    int n = in.readUnsignedShort();
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  static long hash(String s) {
    return s == null || s.isEmpty() ? 0 : nonZero(Hash64.hash(s));
  }

  /**
   * The account check of an id: {@link Hash64#hash(CharSequence, long)} with its own seed; 0 for
   * null.
   */
  static long check(String accountId) {
    return accountId == null ? 0 : Hash64.hash(accountId, CHECK_SEED);
  }

  /** The check's seed, the fractional bits of sqrt(2) (any constant unlike the first hash's). */
  private static final long CHECK_SEED = 0x6A09E667F3BCC908L;

  static long nonZero(long h) {
    return h == 0 ? 1 : h;
  }
}
