package io.distillwatch.core.detect;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.link.AccountSignals;
import io.distillwatch.core.link.Cluster;
import io.distillwatch.core.link.HydraLinker;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.StageMessage;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.special.Gamma;

/**
 * The detector's cluster stage: calibrates each account evaluation's raw signal values against the
 * whole population into evidence and candidate alerts ({@link Calibration}), merges the link
 * stage's edges into clusters (union-find), keeps each cluster's members' evidence, scores a
 * cluster on its members' evidence and the rarity of its coordination, flags a fresh account that
 * joins an alerted cluster, and is the one place every alert leaves from, so an account alerted on
 * its own and through its cluster is alerted once and again only on escalation.
 *
 * <p>It sees edges and evaluations (one message per account evaluation, a geometric schedule),
 * never the exchanges themselves; the Flink job runs it on one slot, so the calibration is the
 * whole population's at any parallelism. (Evidence messages of form 1, calibrated by the account
 * stage, and its candidate alerts are still handled as before.) A cluster is alerted when {@code
 * -log10} of {@code max(p_members, p_coordination)^2} clears the population's threshold: {@code
 * p_members} is the Gamma tail of the members' mean evidence (at most {@code maxEffectiveMembers}
 * count, as members of one operator are not independent), {@code p_coordination} the share of
 * components at least this large (ignored for a single declared organisation).
 *
 * <p>Memory: one index per account it holds. It holds an account while the account is in a cluster
 * (for good: clusters are never split or dropped) or while messages about it keep arriving (a
 * message is about the account it comes from, and an edge also about the account it joins). A lone
 * account with no message about it for longer than {@link #releaseAfterMillis()} (the idle eviction
 * plus the re-evaluation interval, in event time) is released: its id, its entry in the account map
 * and its alert state go, and its index is reused. Measured by {@code BoundedMemoryTest} (JDK 17,
 * compressed references, ids like {@code throwaway-123456}): 208 bytes of heap per account held
 * with G1, of which its id string is 56 and its evaluation state (see {@link Calibration}) 24; a
 * released account leaves its index's array slots, 130 bytes, until a new account reuses the index.
 * So the stage grows with the most accounts held at once, not with the accounts ever seen. Not
 * thread-safe.
 *
 * <p>Implementation notes. Accounts are found by their 64-bit hash in an open-addressing table of
 * primitive arrays (no boxing). Accounts not known to be in a cluster sit on an intrusive list (two
 * {@code int[]}) in order of the stage's clock when a message was last about them, so releasing
 * walks only what it releases: the clock is the largest message timestamp seen (messages from
 * several link instances arrive out of order, and an account is stamped with the clock, never an
 * older time); each time it advances, the head of the list is released while idle or, if it has
 * joined a cluster, leaves the list for good. A message costs one comparison when nothing is idle,
 * and a release O(1). An account released and seen again is registered afresh, with no link to its
 * old index: its profile is gone from the account stage too (see {@link #releaseAfterMillis()}).
 * The threshold calibrator keeps counting a released account's bin, as it is a count over accounts
 * seen, fixed in size; an account that comes back after release is counted again.
 */
public final class ClusterStage {
  /**
   * Version of the {@link #writeTo} form; 2 releases idle lone accounts; 3 holds the calibration of
   * account signals and each account's own flag, threshold bin and candidate band.
   */
  public static final int FORM_VERSION = 3;

  private static final double LN10 = Math.log(10);
  private static final double CANDIDATES_PER_UNIT = 4;

  /** End of the idle list, or {@code older} of an account not on it. */
  private static final int NONE = -1;

  private static final int UNLISTED = -2;

  private final DetectorConfig config;
  private final double alpha;
  private final double nominal;
  private final long releaseAfter;
  Calibration calibration;
  final HydraLinker linker;
  private final IndexMap indexOf = new IndexMap();
  private String[] ids = new String[1024];
  private int[] band = new int[1024];
  private long[] flaggedAt = new long[1024];
  private byte[] flags = new byte[1024];
  private int[] maxBin = new int[1024];

  // Per account, from its evaluations (see evaluate): the start of the profile they came from,
  // when its evidence first cleared the calibration's own threshold, its bin there, and the
  // highest candidate band it reached.
  private long[] profileStart = new long[1024];
  private long[] ownFlaggedAt = new long[1024];
  private int[] ownBin = new int[1024];
  private int[] candidateBand = new int[1024];

  /** The clock when a message was last about the account. */
  private long[] lastSeen = new long[1024];

  /** The idle list: neighbours towards the least ({@code older}) and most recently seen. */
  private int[] older = new int[1024];

  private int[] newer = new int[1024];
  private int eldest = NONE;
  private int newest = NONE;

  /** The largest message timestamp seen, {@code Long.MIN_VALUE} before the first. */
  private long clock = Long.MIN_VALUE;

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
    this.nominal = -Math.log10(alpha);
    this.calibration = new Calibration(config);
    this.linker = linker;
    this.threshold = threshold;
    long idle = config.idleEvictionMillis();
    long reevaluate = config.reevaluateEveryMillis();
    this.releaseAfter = idle > Long.MAX_VALUE - reevaluate ? Long.MAX_VALUE : idle + reevaluate;
    Arrays.fill(flaggedAt, Long.MIN_VALUE);
    Arrays.fill(maxBin, ThresholdCalibrator.NONE);
    Arrays.fill(older, UNLISTED);
    Arrays.fill(ownFlaggedAt, Long.MIN_VALUE);
    Arrays.fill(ownBin, ThresholdCalibrator.NONE);
  }

  /**
   * How long (event time) a lone account may go with no message about it before it is released: the
   * idle eviction plus the re-evaluation interval. The account stage evaluates an exchange that
   * comes a re-evaluation interval or more after the account's last evaluation, so an account's
   * last exchange is less than that interval after its last evidence message. Once this has passed,
   * its profile has been idle for longer than the idle eviction and is gone from the account stage
   * too: if the account comes back it is new to every stage, and no state that could still matter
   * (its alert band, its threshold bin) is dropped under a live profile.
   */
  public long releaseAfterMillis() {
    return releaseAfter;
  }

  /** Processes one message from the link stage, appending the alerts it triggers to {@code out}. */
  public void process(StageMessage m, List<Alert> out) {
    long ts = m.timestamp();
    if (ts > clock) {
      clock = ts;
      releaseIdle();
    }
    int a = index(m.accountId(), m.accountHash(), m.orgHash());
    switch (m.type()) {
      case EVIDENCE -> {
        if (m.signals() != null) {
          evaluate(a, m, ts, out);
        } else {
          // Form 1: the account stage calibrated the evidence itself.
          evidence(a, m.exchanges(), m.lnEvidence(), m.flags(), ts, out);
        }
      }
      case ALERT -> candidate(a, m.lnEvidence() / LN10, m.alert(), m.flags(), ts, out);
      case EDGE -> {
        int b = index(m.otherId(), m.otherHash(), m.otherOrgHash());
        linker.exchanges(a, m.exchanges());
        Cluster ca = linker.clusterOf(a);
        Cluster cb = linker.clusterOf(b);
        boolean alertedA = ca != null && ca.alerted();
        boolean alertedB = cb != null && cb.alerted();
        // The side that was not yet in an alerted cluster is what joins one now.
        int[] joining = null;
        int alertedMembers = 0;
        if (alertedA != alertedB) {
          joining = members(alertedA ? b : a, alertedA ? cb : ca);
          alertedMembers = (alertedA ? ca : cb).size();
        }
        if (linker.join(a, b, m.kind(), m.indicatorValue())) {
          Cluster c = linker.clusterOf(a);
          if (joining != null && joining.length > alertedMembers) {
            // An alert stands for the group that earned it. Fresh accounts joining a flagged
            // operator are what the standing is for; a group larger than the flagged one is not
            // that: it is more likely the flagged group reaching into an established crowd through
            // one weak link (a pair alerted on a template still rare early in the stream, then
            // joined to dozens of ordinary users of it). Such a merger is judged afresh, here and
            // at every later evaluation, on its members' evidence and its size.
            c.withdrawAlert();
            joining = null;
          }
          evaluateCluster(c, ts, out);
          if (joining != null && c.alerted()) {
            for (int j : joining) {
              linked(j, c, m.kind(), ts, out);
            }
          }
        }
      }
      case INDICATOR -> {
        // An indicator only names what a cluster already shares: a first user the stage does not
        // hold (released) is in no cluster, so it is not registered again for it; nor is it
        // stamped, as another account's use of its key is not its activity.
        int b = indexOf.get(m.otherHash());
        if (b >= 0) {
          linker.indicate(a, b, m.kind(), m.indicatorValue());
        }
      }
      default -> throw new IllegalArgumentException("the cluster stage takes no " + m.type());
    }
  }

  /**
   * An account's evaluation: calibrates its signals against the whole population into evidence,
   * lets it teach the calibration unless it was flagged on its own evidence, raises a candidate
   * alert each time the evidence climbs another quarter unit above the nominal bar {@code
   * -log10(FPR)}, then handles the evidence. In the core this is exactly what the account stage
   * used to do at the evaluation, followed by its alert and evidence messages.
   */
  private void evaluate(int a, StageMessage m, long ts, List<Alert> out) {
    if (profileStart[a] != m.profileStart()) {
      // A new profile (first evaluation, or the account came back after idle eviction): it
      // starts afresh here too, as it did when this state was in the profile.
      profileStart[a] = m.profileStart();
      ownFlaggedAt[a] = Long.MIN_VALUE;
      ownBin[a] = ThresholdCalibrator.NONE;
      candidateBand[a] = 0;
    }
    boolean allowlisted = (m.flags() & StageMessage.ALLOWLISTED) != 0;
    Calibration c = calibration;
    c.score(m.signals(), m.exchanges());
    boolean calibrated = c.calibrated;
    // Accounts flagged on their own evidence no longer teach the population what is ordinary.
    if (!allowlisted && ownFlaggedAt[a] == Long.MIN_VALUE) {
      c.learn();
    }
    // Intersection-union test: extraction needs both content and behaviour evidence. With
    // independent groups max(pc, pb)^2 is itself a uniform tail probability under the null.
    double pAccount = Math.max(c.pContent, c.pBehaviour);
    pAccount *= pAccount;
    double lnEvidence = -Math.log(Math.max(pAccount, 1e-300));
    double evidence = -Math.log10(Math.max(pAccount, 1e-300));
    if (calibrated) {
      // Account-level flags stay in: the threshold bounds the share of accounts above it.
      ownBin[a] = c.threshold.record(ownBin[a], evidence);
    }
    if (calibrated
        && c.threshold.calibrated()
        && !allowlisted
        && evidence >= c.threshold.threshold()
        && ownFlaggedAt[a] == Long.MIN_VALUE) {
      ownFlaggedAt[a] = ts;
    }
    int flags =
        (allowlisted ? StageMessage.ALLOWLISTED : 0)
            | (ownFlaggedAt[a] != Long.MIN_VALUE ? StageMessage.FLAGGED : 0)
            | (calibrated ? StageMessage.CALIBRATED : 0);
    if (calibrated && !allowlisted && evidence >= nominal) {
      int quantum = 1 + (int) Math.floor((evidence - nominal) * CANDIDATES_PER_UNIT);
      if (quantum > candidateBand[a]) {
        candidateBand[a] = quantum;
        AccountAlert candidate =
            c.alert(
                "account:" + m.accountId() + ":" + quantum,
                m.accountId(),
                ts,
                1.0 - pAccount,
                m.exchanges(),
                m.signals());
        candidate(a, lnEvidence / LN10, candidate, flags, ts, out);
      }
    }
    evidence(a, m.exchanges(), lnEvidence, flags, ts, out);
  }

  /** An account's evidence: the threshold's, its cluster's, and a linked alert if due. */
  private void evidence(
      int a, long exchanges, double lnEvidence, int accountFlags, long ts, List<Alert> out) {
    linker.exchanges(a, exchanges);
    flags[a] = (byte) accountFlags;
    linker.evidence(a, lnEvidence);
    Cluster c = linker.clusterOf(a);
    if ((accountFlags & StageMessage.CALIBRATED) != 0 && (c == null || !c.alerted())) {
      // The threshold is the whole population's: every account's evidence passes here.
      // Members of an alerted cluster leave it, so a campaign cannot raise its own bar.
      maxBin[a] = threshold.record(maxBin[a], lnEvidence / LN10);
    }
    if (c != null) {
      evaluateCluster(c, ts, out);
      if (c.alerted()) {
        linked(a, c, null, ts, out);
      }
    }
  }

  /** A candidate alert on an account's own evidence: raised if it clears the threshold's band. */
  private void candidate(
      int a, double evidence, AccountAlert candidate, int accountFlags, long ts, List<Alert> out) {
    flags[a] = (byte) accountFlags;
    double bar = threshold.threshold();
    if (threshold.calibrated() && evidence >= bar) {
      int accountBand = 1 + (int) Math.floor(evidence - bar);
      if (accountBand > band[a]) {
        band[a] = accountBand;
        if (flaggedAt[a] == Long.MIN_VALUE) {
          flaggedAt[a] = ts;
        }
        accountAlerts++;
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

  /** The account's index, registering it if it is not held; stamps it with the clock. */
  private int index(String id, long hash, long orgHash) {
    int i = indexOf.get(hash);
    if (i >= 0) {
      lastSeen[i] = clock;
      if (older[i] != UNLISTED) { // else it is in a cluster for good
        unlink(i);
        append(i);
      }
      return i;
    }
    i = linker.register(orgHash, hash);
    if (i >= ids.length) {
      grow(Math.max(i + 1, ids.length * 2));
    }
    ids[i] = id;
    indexOf.put(hash, i);
    lastSeen[i] = clock;
    append(i);
    return i;
  }

  /** Slow path: grows the per-index arrays to {@code n}, new slots as a released index's. */
  private void grow(int n) {
    int old = ids.length;
    ids = Arrays.copyOf(ids, n);
    band = Arrays.copyOf(band, n);
    flags = Arrays.copyOf(flags, n);
    maxBin = Arrays.copyOf(maxBin, n);
    Arrays.fill(maxBin, old, n, ThresholdCalibrator.NONE);
    flaggedAt = Arrays.copyOf(flaggedAt, n);
    Arrays.fill(flaggedAt, old, n, Long.MIN_VALUE);
    lastSeen = Arrays.copyOf(lastSeen, n);
    older = Arrays.copyOf(older, n);
    Arrays.fill(older, old, n, UNLISTED);
    newer = Arrays.copyOf(newer, n);
    profileStart = Arrays.copyOf(profileStart, n);
    ownFlaggedAt = Arrays.copyOf(ownFlaggedAt, n);
    Arrays.fill(ownFlaggedAt, old, n, Long.MIN_VALUE);
    ownBin = Arrays.copyOf(ownBin, n);
    Arrays.fill(ownBin, old, n, ThresholdCalibrator.NONE);
    candidateBand = Arrays.copyOf(candidateBand, n);
  }

  private void append(int i) {
    older[i] = newest;
    newer[i] = NONE;
    if (newest == NONE) {
      eldest = i;
    } else {
      newer[newest] = i;
    }
    newest = i;
  }

  private void unlink(int i) {
    int o = older[i];
    int n = newer[i];
    if (o == NONE) {
      eldest = n;
    } else {
      newer[o] = n;
    }
    if (n == NONE) {
      newest = o;
    } else {
      older[n] = o;
    }
    older[i] = UNLISTED;
  }

  /**
   * Releases the lone accounts with no message about them for longer than {@link
   * #releaseAfterMillis()}, from the head of the idle list; an idle account in a cluster leaves the
   * list instead, for good. O(accounts leaving the list).
   */
  private void releaseIdle() {
    if (clock < Long.MIN_VALUE + releaseAfter) {
      return; // nothing can be that old yet
    }
    long horizon = clock - releaseAfter;
    while (eldest != NONE && lastSeen[eldest] < horizon) {
      int i = eldest;
      unlink(i);
      if (linker.releasable(i)) {
        release(i);
      }
    }
  }

  private void release(int i) {
    indexOf.remove(linker.accountHash(i));
    linker.release(i);
    ids[i] = null;
    band[i] = 0;
    flaggedAt[i] = Long.MIN_VALUE;
    flags[i] = 0;
    // The threshold keeps the account's bin: its counts are over accounts seen, not held.
    maxBin[i] = ThresholdCalibrator.NONE;
    lastSeen[i] = 0;
    // The calibration's threshold keeps its bin too; the profile is gone (see releaseAfter).
    profileStart[i] = 0;
    ownFlaggedAt[i] = Long.MIN_VALUE;
    ownBin[i] = ThresholdCalibrator.NONE;
    candidateBand[i] = 0;
  }

  private boolean allowlisted(int i) {
    return (flags[i] & StageMessage.ALLOWLISTED) != 0;
  }

  private void evaluateCluster(Cluster c, long ts, List<Alert> out) {
    int m = c.evaluatedMembers;
    // A warm-up over the accounts ever heard of, released ones included: once the population has
    // been seen, a quiet week (few accounts held) must not switch cluster scoring off.
    long seen = linker.accounts() + linker.releasedAccounts();
    if (c.size() < 2 || m < 2 || seen < config.minCalibrationSamples()) {
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
    int i = indexOf.get(AccountProfile.hash(accountId));
    Cluster c = i < 0 ? null : linker.clusterOf(i);
    return c == null ? 1 : c.size();
  }

  /** Whether the account's cluster has been alerted. */
  public boolean clusterAlerted(String accountId) {
    int i = indexOf.get(AccountProfile.hash(accountId));
    Cluster c = i < 0 ? null : linker.clusterOf(i);
    return c != null && c.alerted();
  }

  /**
   * Event time the account was first flagged here, {@code Long.MIN_VALUE} if never (or released).
   */
  public long flaggedAt(String accountId) {
    int i = indexOf.get(AccountProfile.hash(accountId));
    return i < 0 ? Long.MIN_VALUE : flaggedAt[i];
  }

  /**
   * Explains an account's standing from its current signals {@code s} (see {@link
   * AccountStage#signals}), against the population's calibration; changes no learned state.
   */
  AccountExplanation explain(String accountId, long exchanges, AccountSignals s) {
    calibration.score(s, exchanges);
    Map<String, Double> values = new LinkedHashMap<>();
    Map<String, Double> tails = new LinkedHashMap<>();
    calibration.explain(values, tails);
    int i = indexOf(accountId);
    long own = i < 0 ? Long.MIN_VALUE : ownFlaggedAt[i];
    long here = i < 0 ? Long.MIN_VALUE : flaggedAt[i];
    long first = own == Long.MIN_VALUE ? here : here == Long.MIN_VALUE ? own : Math.min(own, here);
    return new AccountExplanation(
        accountId,
        exchanges,
        values,
        tails,
        calibration.pContent,
        calibration.pBehaviour,
        clusterSize(accountId),
        clusterAlerted(accountId),
        first == Long.MIN_VALUE ? -1 : first);
  }

  /**
   * Takes over an account's evaluation state from a profile of an older snapshot (where the account
   * stage kept it), if the stage holds the account.
   */
  void adoptEvaluationState(String accountId, long start, long flagged, int bin, int candidates) {
    int i = indexOf(accountId);
    if (i >= 0) {
      profileStart[i] = start;
      ownFlaggedAt[i] = flagged;
      ownBin[i] = bin;
      candidateBand[i] = candidates;
    }
  }

  /** Whether the stage holds the account (heard of it and has not released it). */
  public boolean holds(String accountId) {
    return indexOf(accountId) >= 0;
  }

  /** The account's index, -1 if the stage does not hold it. */
  int indexOf(String accountId) {
    return indexOf.get(AccountProfile.hash(accountId));
  }

  /** Clusters of two or more accounts. */
  public long liveClusters() {
    return linker.clusterCount();
  }

  /** Accounts this stage holds: heard of and not released. */
  public int accounts() {
    return linker.accounts();
  }

  /** Accounts released after being idle and alone (one that came back counts each time). */
  public long releasedAccounts() {
    return linker.releasedAccounts();
  }

  /** The stage's clock: the largest message timestamp seen, {@code Long.MIN_VALUE} before any. */
  public long clock() {
    return clock;
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
   * Writes the learned state. Form version 3, in order:
   *
   * <pre>
   * byte    version (3)
   * long    accountAlerts, long clusterAlerts
   * long    clock (Long.MIN_VALUE before the first message)
   *         the threshold calibrator's form
   *         the calibration's form (form 3 only; see Calibration#writeTo)
   *         the linker's form (version 4: union-find, clusters, released indices; 2 and 3,
   *         which end with a key table that is skipped, are still read)
   * per index in use, in index order (released indices, as the linker's form lists them, have
   *         no record): UTF id, int band, long flaggedAt, byte flags, int threshold bin,
   *         long lastSeen; form 3 then: long profileStart, long own flaggedAt, int own
   *         threshold bin, int candidate band
   * int     accounts on the idle list, then each as int index, least recently seen first
   * </pre>
   *
   * A form 2 is read with an empty calibration and no evaluation state.
   *
   * <p>Accounts in use but not on the idle list are in a cluster. The account map is rebuilt from
   * the linker's account hashes, and the release horizon is configuration, not written.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(FORM_VERSION);
    out.writeLong(accountAlerts);
    out.writeLong(clusterAlerts);
    out.writeLong(clock);
    threshold.writeTo(out);
    calibration.writeTo(out);
    linker.writeTo(out);
    int listed = 0;
    for (int i = 0; i < linker.indices(); i++) {
      if (linker.isReleased(i)) {
        continue;
      }
      out.writeUTF(ids[i]);
      out.writeInt(band[i]);
      out.writeLong(flaggedAt[i]);
      out.writeByte(flags[i]);
      out.writeInt(maxBin[i]);
      out.writeLong(lastSeen[i]);
      out.writeLong(profileStart[i]);
      out.writeLong(ownFlaggedAt[i]);
      out.writeInt(ownBin[i]);
      out.writeInt(candidateBand[i]);
      if (older[i] != UNLISTED) {
        listed++;
      }
    }
    out.writeInt(listed);
    for (int i = eldest; i != NONE; i = newer[i]) {
      out.writeInt(i);
    }
  }

  /** Reads the form of {@link #writeTo}; corrupt input throws an {@link IOException}. */
  public static ClusterStage readFrom(DataInput in, DetectorConfig config) throws IOException {
    int version = in.readUnsignedByte();
    if (version != 2 && version != FORM_VERSION) {
      throw new SnapshotFormatException(
          "cluster stage form version "
              + version
              + " unknown; this build reads 2 to "
              + FORM_VERSION);
    }
    long accountAlerts = in.readLong();
    long clusterAlerts = in.readLong();
    long clock = in.readLong();
    if (accountAlerts < 0 || clusterAlerts < 0) {
      throw new SnapshotFormatException("cluster stage counters out of range");
    }
    ThresholdCalibrator threshold = new ThresholdCalibrator(config.targetFalsePositiveRate());
    threshold.readFrom(in);
    Calibration calibration = new Calibration(config);
    if (version >= 3) {
      calibration.readFrom(in);
    }
    HydraLinker linker = HydraLinker.readFrom(in);
    ClusterStage s = new ClusterStage(config, linker, threshold);
    s.calibration = calibration;
    int n = linker.indices();
    s.clock = clock;
    if (n > s.ids.length) {
      s.grow(n);
    }
    for (int i = 0; i < n; i++) {
      if (linker.isReleased(i)) {
        continue;
      }
      s.ids[i] = in.readUTF();
      s.band[i] = in.readInt();
      s.flaggedAt[i] = in.readLong();
      s.flags[i] = in.readByte();
      s.maxBin[i] = in.readInt();
      s.lastSeen[i] = in.readLong();
      if (version >= 3) {
        s.profileStart[i] = in.readLong();
        s.ownFlaggedAt[i] = in.readLong();
        s.ownBin[i] = in.readInt();
        s.candidateBand[i] = in.readInt();
      }
      if (outOfRange(s.maxBin[i]) || outOfRange(s.ownBin[i]) || s.candidateBand[i] < 0) {
        throw new SnapshotFormatException(
            "cluster stage threshold bin "
                + s.maxBin[i]
                + ", own bin "
                + s.ownBin[i]
                + " or candidate band "
                + s.candidateBand[i]
                + " out of range");
      }
      if (s.lastSeen[i] > clock) {
        throw new SnapshotFormatException(
            "cluster stage account '" + s.ids[i] + "' last seen after the clock " + clock);
      }
      if (!s.indexOf.put(linker.accountHash(i), i)) {
        throw new SnapshotFormatException("cluster stage lists account '" + s.ids[i] + "' twice");
      }
    }
    int listed = in.readInt();
    if (listed < 0 || listed > linker.accounts()) {
      throw new SnapshotFormatException("cluster stage idle list of " + listed + " accounts");
    }
    for (int k = 0; k < listed; k++) {
      int i = in.readInt();
      if (i < 0 || i >= n || linker.isReleased(i) || s.older[i] != UNLISTED) {
        throw new SnapshotFormatException(
            "cluster stage idle list entry " + i + " is not an account in use, listed once");
      }
      if (s.newest != NONE && s.lastSeen[i] < s.lastSeen[s.newest]) {
        throw new SnapshotFormatException("cluster stage idle list out of order at " + i);
      }
      s.append(i);
    }
    for (int i = 0; i < n; i++) {
      // Not clusterOf: find halves paths, which would change the state just read.
      if (!linker.isReleased(i) && s.older[i] == UNLISTED && linker.releasable(i)) {
        throw new SnapshotFormatException(
            "cluster stage account '" + s.ids[i] + "' is neither on the idle list nor clustered");
      }
    }
    s.accountAlerts = accountAlerts;
    s.clusterAlerts = clusterAlerts;
    return s;
  }

  private static boolean outOfRange(int bin) {
    return bin < ThresholdCalibrator.EXCLUDED || bin >= ThresholdCalibrator.BINS;
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Account hash to index: open addressing with linear probing over a {@code long[]} of keys and an
   * {@code int[]} of indices (power-of-two capacity, at most 60% full), no boxing. Removal shifts
   * the following entries of the probe run back (Knuth's algorithm R), so there are no tombstones
   * and lookups never slow down with churn. Key 0 (an account with no hash) is held on the side.
   * The table doubles above 60% full and halves below 15%, so it follows the accounts held.
   */
  static final class IndexMap {
    private static final double LOAD = 0.6;
    private static final int MIN_CAPACITY = 1024;

    private long[] keys = new long[MIN_CAPACITY];
    private int[] values = new int[MIN_CAPACITY];
    private int mask = MIN_CAPACITY - 1;
    private int size;
    private int zeroValue = -1;

    /** The index of {@code key}, or -1. */
    int get(long key) {
      if (key == 0) {
        return zeroValue;
      }
      long[] k = keys;
      int m = mask;
      for (int i = slot(key, m); ; i = (i + 1) & m) {
        if (k[i] == key) {
          return values[i];
        }
        if (k[i] == 0) {
          return -1;
        }
      }
    }

    /** Adds {@code key -> value}; false (and nothing changed) if {@code key} is present. */
    boolean put(long key, int value) {
      if (key == 0) {
        if (zeroValue >= 0) {
          return false;
        }
        zeroValue = value;
        return true;
      }
      int i = slot(key, mask);
      while (keys[i] != 0) {
        if (keys[i] == key) {
          return false;
        }
        i = (i + 1) & mask;
      }
      keys[i] = key;
      values[i] = value;
      if (++size > keys.length * LOAD) {
        rehash(keys.length * 2);
      }
      return true;
    }

    /** Removes {@code key} if present. */
    void remove(long key) {
      if (key == 0) {
        zeroValue = -1;
        return;
      }
      int m = mask;
      int gap = slot(key, m);
      while (keys[gap] != key) {
        if (keys[gap] == 0) {
          return;
        }
        gap = (gap + 1) & m;
      }
      size--;
      // Shift back every later entry of the run whose home slot is not between the gap and it.
      for (int i = (gap + 1) & m; keys[i] != 0; i = (i + 1) & m) {
        int home = slot(keys[i], m);
        if (((i - home) & m) >= ((i - gap) & m)) {
          keys[gap] = keys[i];
          values[gap] = values[i];
          gap = i;
        }
      }
      keys[gap] = 0;
      if (size < keys.length * LOAD / 4 && keys.length > MIN_CAPACITY) {
        rehash(keys.length / 2); // a quarter of the growth load: no thrashing at the boundary
      }
    }

    int size() {
      return size + (zeroValue >= 0 ? 1 : 0);
    }

    int capacity() {
      return keys.length;
    }

    private static int slot(long key, int mask) {
      return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }

    private void rehash(int capacity) {
      long[] oldKeys = keys;
      int[] oldValues = values;
      keys = new long[capacity];
      values = new int[capacity];
      mask = capacity - 1;
      for (int j = 0; j < oldKeys.length; j++) {
        long key = oldKeys[j];
        if (key != 0) {
          int i = slot(key, mask);
          while (keys[i] != 0) {
            i = (i + 1) & mask;
          }
          keys[i] = key;
          values[i] = oldValues[j];
        }
      }
    }
  }
}
