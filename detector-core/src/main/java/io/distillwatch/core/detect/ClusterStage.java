package io.distillwatch.core.detect;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.link.Cluster;
import io.distillwatch.core.link.HydraLinker;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.StageMessage;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.special.Gamma;

/**
 * The detector's cluster stage: merges the link stage's edges into clusters (union-find), keeps
 * each cluster's members' evidence, scores a cluster on its members' evidence and the rarity of its
 * coordination, flags a fresh account that joins an alerted cluster, and is the one place every
 * alert leaves from, so an account alerted on its own and through its cluster is alerted once and
 * again only on escalation.
 *
 * <p>It sees edges, evidence (one message per account evaluation, a geometric schedule) and alerts,
 * never the exchanges themselves; the Flink job runs it on one slot. A cluster is alerted when
 * {@code -log10} of {@code max(p_members, p_coordination)^2} clears the account stage's threshold:
 * {@code p_members} is the Gamma tail of the members' mean evidence (at most {@code
 * maxEffectiveMembers} count, as members of one operator are not independent), {@code
 * p_coordination} the share of components at least this large (ignored for a single declared
 * organisation).
 *
 * <p>Memory: one index per account it has heard of (about 60 bytes each). Not thread-safe.
 */
public final class ClusterStage {
  /** Version of the {@link #writeTo} form. */
  public static final int FORM_VERSION = 1;

  private static final double LN10 = Math.log(10);

  private final DetectorConfig config;
  private final double alpha;
  final HydraLinker linker;
  private final Map<Long, Integer> indexOf = new HashMap<>();
  private String[] ids = new String[1024];
  private int[] band = new int[1024];
  private long[] flaggedAt = new long[1024];
  private byte[] flags = new byte[1024];
  private int[] maxBin = new int[1024];
  final ThresholdCalibrator threshold;
  private long accountAlerts;
  private long clusterAlerts;

  /** An empty stage configured by {@code config}. */
  public ClusterStage(DetectorConfig config) {
    this(config, config.newLinker(), new ThresholdCalibrator(config.targetFalsePositiveRate()));
  }

  private ClusterStage(DetectorConfig config, HydraLinker linker, ThresholdCalibrator threshold) {
    this.config = config;
    this.alpha = config.targetFalsePositiveRate();
    this.linker = linker;
    this.threshold = threshold;
    Arrays.fill(flaggedAt, Long.MIN_VALUE);
    Arrays.fill(maxBin, ThresholdCalibrator.NONE);
  }

  /** Processes one message from the link stage, appending the alerts it triggers to {@code out}. */
  public void process(StageMessage m, List<Alert> out) {
    int a = index(m.accountId(), m.accountHash(), m.orgHash());
    long ts = m.timestamp();
    switch (m.type()) {
      case EVIDENCE -> {
        linker.exchanges(a, m.exchanges());
        flags[a] = (byte) m.flags();
        linker.evidence(a, m.lnEvidence());
        Cluster c = linker.clusterOf(a);
        if ((m.flags() & StageMessage.CALIBRATED) != 0 && (c == null || !c.alerted())) {
          // The threshold is the whole population's: every account's evidence passes here.
          // Members of an alerted cluster leave it, so a campaign cannot raise its own bar.
          maxBin[a] = threshold.record(maxBin[a], m.lnEvidence() / LN10);
        }
        if (c != null) {
          evaluateCluster(c, ts, out);
          if (c.alerted()) {
            linked(a, c, null, ts, out);
          }
        }
      }
      case ALERT -> {
        flags[a] = (byte) m.flags();
        double evidence = m.lnEvidence() / LN10;
        double bar = threshold.threshold();
        if (threshold.calibrated() && evidence >= bar) {
          int accountBand = 1 + (int) Math.floor(evidence - bar);
          if (accountBand > band[a]) {
            band[a] = accountBand;
            if (flaggedAt[a] == Long.MIN_VALUE) {
              flaggedAt[a] = ts;
            }
            accountAlerts++;
            AccountAlert candidate = m.alert();
            out.add(
                new AccountAlert(
                    "account:" + ids[a] + ":" + accountBand,
                    candidate.accountId(),
                    candidate.detectedAt(),
                    candidate.score(),
                    candidate.exchanges(),
                    candidate.signals(),
                    candidate.reasons()));
          }
        }
      }
      case EDGE -> {
        int b = index(m.otherId(), m.otherHash(), m.otherOrgHash());
        linker.exchanges(a, m.exchanges());
        Cluster ca = linker.clusterOf(a);
        Cluster cb = linker.clusterOf(b);
        boolean alertedA = ca != null && ca.alerted();
        boolean alertedB = cb != null && cb.alerted();
        // The side that was not yet in an alerted cluster is what joins one now.
        int[] joining = null;
        if (alertedA != alertedB) {
          joining = members(alertedA ? b : a, alertedA ? cb : ca);
        }
        if (linker.join(a, b, m.kind(), m.value())) {
          Cluster c = linker.clusterOf(a);
          evaluateCluster(c, ts, out);
          if (joining != null && c.alerted()) {
            for (int j : joining) {
              linked(j, c, m.kind(), ts, out);
            }
          }
        }
      }
      case INDICATOR -> {
        int b = index(m.otherId(), m.otherHash(), m.otherOrgHash());
        linker.indicate(a, b, m.kind(), m.value());
      }
      default -> throw new IllegalArgumentException("the cluster stage takes no " + m.type());
    }
  }

  private static int[] members(int account, Cluster c) {
    if (c == null) {
      return new int[] {account};
    }
    int[] m = new int[c.size()];
    for (int i = 0; i < m.length; i++) {
      m[i] = c.member(i);
    }
    return m;
  }

  private int index(String id, long hash, long orgHash) {
    Integer known = indexOf.get(hash);
    if (known != null) {
      return known;
    }
    int i = linker.register(orgHash, hash);
    if (i >= ids.length) {
      int n = Math.max(i + 1, ids.length * 2);
      ids = Arrays.copyOf(ids, n);
      band = Arrays.copyOf(band, n);
      flags = Arrays.copyOf(flags, n);
      int grown = maxBin.length;
      maxBin = Arrays.copyOf(maxBin, n);
      Arrays.fill(maxBin, grown, n, ThresholdCalibrator.NONE);
      int old = flaggedAt.length;
      flaggedAt = Arrays.copyOf(flaggedAt, n);
      Arrays.fill(flaggedAt, old, n, Long.MIN_VALUE);
    }
    ids[i] = id;
    indexOf.put(hash, i);
    return i;
  }

  private boolean allowlisted(int i) {
    return (flags[i] & StageMessage.ALLOWLISTED) != 0;
  }

  private void evaluateCluster(Cluster c, long ts, List<Alert> out) {
    int m = c.evaluatedMembers;
    if (c.size() < 2 || m < 2 || linker.accounts() < config.minCalibrationSamples()) {
      return;
    }
    int effective = Math.min(m, config.maxEffectiveMembers());
    double meanLn = Math.max(0, c.evidenceSum / m);
    double pMembers = Gamma.regularizedGammaQ(effective, meanLn * effective);
    double pCoordination = c.singleDeclaredOrg() ? 1.0 : linker.componentTail(c.size());
    double pCluster = Math.max(pMembers, pCoordination);
    pCluster *= pCluster;
    double evidence = -Math.log10(Math.max(pCluster, 1e-300));
    double bar = threshold.threshold();
    if (evidence < bar) {
      return;
    }
    int clusterBand = 1 + (int) Math.floor(evidence - bar);
    boolean grown = c.alerted() && c.size() >= 2 * c.alertedSize;
    if (clusterBand <= c.alertBand && !grown) {
      return;
    }
    Set<String> memberIds = new LinkedHashSet<>(c.size() * 2);
    boolean anyMonitored = false;
    for (int i = 0; i < c.size(); i++) {
      int idx = c.member(i);
      memberIds.add(ids[idx]);
      maxBin[idx] = threshold.exclude(maxBin[idx]);
      if (!allowlisted(idx)) {
        anyMonitored = true;
        if (flaggedAt[idx] == Long.MIN_VALUE) {
          flaggedAt[idx] = ts;
        }
      }
    }
    if (!anyMonitored) {
      return;
    }
    c.alertBand = Math.max(c.alertBand, clusterBand);
    c.alertedSize = c.size();
    if (c.alertedAt == Long.MIN_VALUE) {
      c.alertedAt = ts;
    }
    clusterAlerts++;
    Map<String, List<String>> shared = new LinkedHashMap<>();
    c.indicators().forEach((kind, vs) -> shared.put(kind.wireName(), List.copyOf(vs)));
    List<String> reasons = new ArrayList<>(3);
    reasons.add(
        String.format(
            Locale.ROOT,
            "%d accounts are joined by rare shared keys (%s); only %s of groups of accounts are"
                + " this large.",
            memberIds.size(),
            String.join(", ", shared.keySet()),
            AccountStage.percent(pCoordination)));
    reasons.add(
        String.format(
            Locale.ROOT,
            "Its members look like extraction on their own: mean evidence %.1f nats against 1.0"
                + " for ordinary accounts.",
            meanLn));
    if (c.singleDeclaredOrg()) {
      reasons.add("All members declare one organisation, so coordination alone is not counted.");
    }
    out.add(
        new ClusterAlert(
            "cluster:" + ids[c.id()] + ":" + c.alertBand + ":" + c.size(),
            "cluster-" + ids[c.id()],
            List.copyOf(memberIds),
            ts,
            Math.min(1.0, Math.max(0.0, 1.0 - pCluster)),
            c.exchanges,
            shared,
            reasons));
  }

  /** Flags a member of an alerted cluster that is not flagged yet. */
  private void linked(int i, Cluster c, LinkKey joinedBy, long ts, List<Alert> out) {
    if (flaggedAt[i] != Long.MIN_VALUE || allowlisted(i)) {
      return;
    }
    flaggedAt[i] = ts;
    band[i] = Math.max(band[i], 1);
    maxBin[i] = threshold.exclude(maxBin[i]);
    accountAlerts++;
    String how =
        joinedBy == LinkKey.PAYMENT
            ? "shares a payment instrument with it"
            : joinedBy == LinkKey.TEMPLATE_SET
                ? "fills the same rare templates"
                : "is linked to it by a rare shared key";
    long n = linker.exchanges(i);
    out.add(
        new AccountAlert(
            "account:" + ids[i] + ":linked",
            ids[i],
            ts,
            Math.min(1.0, Math.max(0.0, 1.0 - alpha)),
            n,
            Map.of("cluster_size", (double) c.size()),
            List.of(
                String.format(
                    Locale.ROOT,
                    "Joins flagged cluster %s (%d accounts): it %s; flagged on its %s exchange.",
                    "cluster-" + ids[c.id()],
                    c.size(),
                    how,
                    ordinal(n)))));
  }

  private static String ordinal(long n) {
    long mod100 = n % 100;
    String suffix =
        (mod100 >= 11 && mod100 <= 13)
            ? "th"
            : switch ((int) (n % 10)) {
              case 1 -> "st";
              case 2 -> "nd";
              case 3 -> "rd";
              default -> "th";
            };
    return n + suffix;
  }

  // ---------------------------------------------------------------------------------------------
  // read-only state

  /** Accounts in the account's cluster, 1 when it is linked to nobody or unknown. */
  public int clusterSize(String accountId) {
    Integer i = indexOf.get(AccountProfile.hash(accountId));
    Cluster c = i == null ? null : linker.clusterOf(i);
    return c == null ? 1 : c.size();
  }

  /** Whether the account's cluster has been alerted. */
  public boolean clusterAlerted(String accountId) {
    Integer i = indexOf.get(AccountProfile.hash(accountId));
    Cluster c = i == null ? null : linker.clusterOf(i);
    return c != null && c.alerted();
  }

  /** Event time the account was first flagged here, {@code Long.MIN_VALUE} if never. */
  public long flaggedAt(String accountId) {
    Integer i = indexOf.get(AccountProfile.hash(accountId));
    return i == null ? Long.MIN_VALUE : flaggedAt[i];
  }

  /** Clusters of two or more accounts. */
  public long liveClusters() {
    return linker.clusterCount();
  }

  /** Accounts this stage has heard of. */
  public int accounts() {
    return linker.accounts();
  }

  /** Account alerts emitted (own and linked). */
  public long accountAlerts() {
    return accountAlerts;
  }

  /** Cluster alerts emitted. */
  public long clusterAlerts() {
    return clusterAlerts;
  }

  // ---------------------------------------------------------------------------------------------
  // persistence

  /**
   * Writes the learned state. Layout (form version 1): byte version, long accountAlerts, long
   * clusterAlerts, the threshold calibrator's form, the linker's form, then for each of its
   * accounts in index order: UTF id, int band, long flaggedAt, byte flags, int threshold bin.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(FORM_VERSION);
    out.writeLong(accountAlerts);
    out.writeLong(clusterAlerts);
    threshold.writeTo(out);
    linker.writeTo(out);
    for (int i = 0; i < linker.accounts(); i++) {
      out.writeUTF(ids[i]);
      out.writeInt(band[i]);
      out.writeLong(flaggedAt[i]);
      out.writeByte(flags[i]);
      out.writeInt(maxBin[i]);
    }
  }

  /** Reads the form of {@link #writeTo}; corrupt input throws an {@link IOException}. */
  public static ClusterStage readFrom(DataInput in, DetectorConfig config) throws IOException {
    int version = in.readUnsignedByte();
    if (version != FORM_VERSION) {
      throw new SnapshotFormatException(
          "cluster stage form version " + version + " unknown; this build reads " + FORM_VERSION);
    }
    long accountAlerts = in.readLong();
    long clusterAlerts = in.readLong();
    if (accountAlerts < 0 || clusterAlerts < 0) {
      throw new SnapshotFormatException("cluster stage counters out of range");
    }
    ThresholdCalibrator threshold = new ThresholdCalibrator(config.targetFalsePositiveRate());
    threshold.readFrom(in);
    HydraLinker linker = HydraLinker.readFrom(in, config.linkerBuilder());
    ClusterStage s = new ClusterStage(config, linker, threshold);
    int n = linker.accounts();
    s.ids = new String[Math.max(1024, n)];
    s.band = new int[s.ids.length];
    s.flags = new byte[s.ids.length];
    s.flaggedAt = new long[s.ids.length];
    Arrays.fill(s.flaggedAt, Long.MIN_VALUE);
    s.maxBin = new int[s.ids.length];
    Arrays.fill(s.maxBin, ThresholdCalibrator.NONE);
    for (int i = 0; i < n; i++) {
      s.ids[i] = in.readUTF();
      s.band[i] = in.readInt();
      s.flaggedAt[i] = in.readLong();
      s.flags[i] = in.readByte();
      s.maxBin[i] = in.readInt();
      if (s.maxBin[i] < ThresholdCalibrator.EXCLUDED || s.maxBin[i] >= ThresholdCalibrator.BINS) {
        throw new SnapshotFormatException("cluster stage threshold bin " + s.maxBin[i]);
      }
      if (s.indexOf.put(AccountProfile.hash(s.ids[i]), i) != null) {
        throw new SnapshotFormatException("cluster stage lists account '" + s.ids[i] + "' twice");
      }
    }
    s.accountAlerts = accountAlerts;
    s.clusterAlerts = clusterAlerts;
    return s;
  }
}
