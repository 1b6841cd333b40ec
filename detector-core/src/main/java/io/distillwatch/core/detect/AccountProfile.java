package io.distillwatch.core.detect;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
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
 * <p>Implementation notes: the sketches are sized for a serialized profile under 1 KiB (see {@code
 * AccountProfileTest}): HyperLogLog at precision 6 (64 six-bit registers, 13% standard error, ample
 * for "how many distinct IPs per exchange"), a 16-bin MinHash of the template set for LSH linking,
 * a 24 x 1 h window for the current rate and a 14 x 1 day window for the baseline.
 */
final class AccountProfile {
  static final int HLL_PRECISION = 6;
  static final int MINHASH_BINS = 16;
  static final long HOUR = 3_600_000L;
  static final long DAY = 24 * HOUR;

  final String accountId;

  /** Dense index of the account in the linker's union-find. */
  final int index;

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
  final HyperLogLog prompts;
  final HyperLogLog ips;
  final HyperLogLog asns;
  final InterArrivalStats gaps;
  final HourOfDayHistogram hours;
  final MinHash templateSet;

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

  /** Last combined evidence ({@code -log10} of the combined tail probability). */
  double evidence;

  /** Bin of the account's maximum evidence in the threshold calibration (see there). */
  int maxBin = ThresholdCalibrator.NONE;

  /** Highest alert band emitted for this account; 0 = never alerted. */
  int alertBand;

  long flaggedAt = Long.MIN_VALUE;

  /** Whether the account belongs to the allowlist (by account or organisation). */
  boolean allowlisted;

  AccountProfile(String accountId, int index) {
    this(
        accountId,
        index,
        SlidingWindow.builder().buckets(24).bucketMillis(HOUR).allowedLatenessMillis(HOUR).build(),
        SlidingWindow.builder().buckets(14).bucketMillis(DAY).allowedLatenessMillis(DAY).build(),
        new HyperLogLog(HLL_PRECISION),
        new HyperLogLog(HLL_PRECISION),
        new HyperLogLog(HLL_PRECISION),
        new HyperLogLog(HLL_PRECISION),
        new InterArrivalStats(),
        new HourOfDayHistogram(),
        new MinHash(MINHASH_BINS),
        new HyperLogLog(HyperLogLog.MIN_PRECISION),
        new Ewma(12 * HOUR));
  }

  private AccountProfile(
      String accountId,
      int index,
      SlidingWindow hourly,
      SlidingWindow daily,
      HyperLogLog templates,
      HyperLogLog prompts,
      HyperLogLog ips,
      HyperLogLog asns,
      InterArrivalStats gaps,
      HourOfDayHistogram hours,
      MinHash templateSet,
      HyperLogLog rareTemplates,
      Ewma pivot) {
    this.accountId = accountId;
    this.index = index;
    this.hourly = hourly;
    this.daily = daily;
    this.templates = templates;
    this.prompts = prompts;
    this.ips = ips;
    this.asns = asns;
    this.gaps = gaps;
    this.hours = hours;
    this.templateSet = templateSet;
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
    if (hashes.template != 0) {
      templates.add(hashes.template);
    }
    if (hashes.prompt != 0) {
      prompts.add(hashes.prompt);
    }
    if (hashes.ip != 0) {
      ips.add(hashes.ip);
    }
    if (hashes.asn != 0) {
      asns.add(hashes.asn);
    }
    gaps.add(ts);
    hours.add(ts);
  }

  /** Distinct active days, estimated from the span; at least one. */
  double activeDays() {
    return Math.max(1.0, (lastSeen - firstSeen) / (double) DAY);
  }

  /**
   * Writes the profile. Layout (version 1), in order: UTF account id, int index, 7 longs
   * (firstSeen, lastSeen, exchanges, orgHash, paymentHash, outputTokens, inputTokens), 3 ints
   * (reasoning, highValue, toolUse), hourly and daily windows, four length-prefixed HyperLogLogs
   * (templates, prompts, ips, asns), inter-arrival stats, hour-of-day histogram, length-prefixed
   * MinHash, model state (3 longs and the pivot EWMA), detector bookkeeping (2 longs, a double, an
   * int, a long, a boolean). The version is written once per snapshot, not per profile.
   */
  void writeTo(DataOutput out) throws IOException {
    out.writeUTF(accountId);
    out.writeInt(index);
    out.writeLong(firstSeen);
    out.writeLong(lastSeen);
    out.writeLong(exchanges);
    out.writeLong(orgHash);
    out.writeLong(paymentHash);
    out.writeLong(outputTokens);
    out.writeLong(inputTokens);
    out.writeInt(reasoning);
    out.writeInt(highValue);
    out.writeInt(toolUse);
    out.writeInt(novel);
    out.writeLong(novelOutputTokens);
    hourly.writeTo(out);
    daily.writeTo(out);
    writeBytes(out, templates.toBytes());
    writeBytes(out, prompts.toBytes());
    writeBytes(out, ips.toBytes());
    writeBytes(out, asns.toBytes());
    gaps.writeTo(out);
    hours.writeTo(out);
    writeBytes(out, templateSet.toBytes());
    writeBytes(out, rareTemplates.toBytes());
    out.writeLong(modelHash);
    out.writeLong(modelAdoptedAt);
    out.writeLong(earlyModelHash);
    pivot.writeTo(out);
    out.writeLong(nextEvaluationAt);
    out.writeLong(lastEvaluatedTime);
    out.writeDouble(evidence);
    out.writeInt(alertBand);
    out.writeInt(maxBin);
    out.writeLong(flaggedAt);
    out.writeBoolean(allowlisted);
  }

  static AccountProfile readFrom(DataInput in) throws IOException {
    String id = in.readUTF();
    int index = in.readInt();
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
    HyperLogLog prompts = HyperLogLog.fromBytes(readBytes(in));
    HyperLogLog ips = HyperLogLog.fromBytes(readBytes(in));
    HyperLogLog asns = HyperLogLog.fromBytes(readBytes(in));
    InterArrivalStats gaps = InterArrivalStats.readFrom(in);
    HourOfDayHistogram hours = HourOfDayHistogram.readFrom(in);
    MinHash templateSet = MinHash.fromBytes(readBytes(in));
    HyperLogLog rareTemplates = HyperLogLog.fromBytes(readBytes(in));
    long modelHash = in.readLong();
    long modelAdoptedAt = in.readLong();
    long earlyModelHash = in.readLong();
    Ewma pivot = Ewma.readFrom(in);
    AccountProfile p =
        new AccountProfile(
            id,
            index,
            hourly,
            daily,
            templates,
            prompts,
            ips,
            asns,
            gaps,
            hours,
            templateSet,
            rareTemplates,
            pivot);
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
    p.evidence = in.readDouble();
    p.alertBand = in.readInt();
    p.maxBin = in.readInt();
    p.flaggedAt = in.readLong();
    p.allowlisted = in.readBoolean();
    return p;
  }

  private static byte[] readBytes(DataInput in) throws IOException {
    int n = in.readUnsignedShort();
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static void writeBytes(DataOutput out, byte[] b) throws IOException {
    out.writeShort(b.length);
    out.write(b);
  }

  static long hash(String s) {
    return s == null || s.isEmpty() ? 0 : nonZero(Hash64.hash(s));
  }

  static long nonZero(long h) {
    return h == 0 ? 1 : h;
  }
}
