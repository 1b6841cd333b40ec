package io.distillwatch.examples.replay;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.window.SlidingWindow;
import io.distillwatch.examples.generate.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores a replay against a trace's labels, for the detector and, in the same pass, for the
 * baseline a platform would otherwise rely on: a plain per-account rate limit that flags an account
 * the first time it sends more than {@code limitPerHour} exchanges in any sliding hour.
 *
 * <p>An account counts as flagged from the first alert that names it: its own account alert, or a
 * cluster alert listing it. Exchanges are counted in replay order, so "after its own account was
 * flagged" means exchanges the platform would have refused had it blocked on the alert.
 */
public final class Evaluation implements Replay.Observer {
  private final List<Group> groups = new ArrayList<>();
  private final Map<String, Track> tracks = new HashMap<>();
  private final int limitPerHour;
  private long unlabelledAccountsFlagged;

  public Evaluation(Labels labels, int limitPerHour) {
    if (limitPerHour < 1) {
      throw new IllegalArgumentException("limitPerHour must be >= 1, was " + limitPerHour);
    }
    this.limitPerHour = limitPerHour;
    for (Labels.Campaign c : labels.campaigns()) {
      Group g = new Group(c.name(), true, false, c.lowAndSlow());
      add(g, c.accounts());
    }
    for (Labels.Benign b : labels.benign()) {
      Group g = new Group(b.archetype(), false, b.hardNegative(), false);
      add(g, b.accounts());
    }
  }

  private void add(Group g, List<String> accounts) {
    int index = groups.size();
    groups.add(g);
    for (String a : accounts) {
      tracks.put(a, new Track(index));
    }
  }

  @Override
  public void exchange(Exchange e) {
    Track t = tracks.get(e.accountId());
    if (t == null) {
      return;
    }
    Group g = groups.get(t.group);
    t.exchanges++;
    g.exchanges++;
    // The campaign starts with its first exchange: labels written before generation only know
    // the campaign's window.
    g.start = Math.min(g.start, e.timestamp());
    if (t.exchanges == 1) {
      g.seen++;
    }
    if (t.flaggedAt != Long.MIN_VALUE) {
      t.afterFlag++;
      g.afterOwnFlag++;
    }
    if (g.firstFlag == Long.MIN_VALUE) {
      g.beforeFirstFlag++;
    }
    // Baseline: the rate limit sees the same exchange.
    if (t.window == null) {
      t.window =
          SlidingWindow.builder()
              .buckets(60)
              .bucketMillis(60_000L)
              .allowedLatenessMillis(60_000L)
              .build();
    }
    t.window.add(e.timestamp());
    if (t.limitedAt == Long.MIN_VALUE && t.window.count(e.timestamp()) > limitPerHour) {
      t.limitedAt = e.timestamp();
      g.limited++;
      if (g.firstLimit == Long.MIN_VALUE) {
        g.firstLimit = e.timestamp();
      }
    } else if (t.limitedAt != Long.MIN_VALUE) {
      t.afterLimit++;
      g.afterOwnLimit++;
    }
  }

  @Override
  public void alert(Alert a) {
    if (a instanceof AccountAlert aa) {
      flag(aa.accountId(), aa.detectedAt());
    } else if (a instanceof ClusterAlert ca) {
      for (String member : ca.accounts()) {
        flag(member, ca.detectedAt());
      }
    }
  }

  private void flag(String account, long ts) {
    Track t = tracks.get(account);
    if (t == null) {
      unlabelledAccountsFlagged++;
      return;
    }
    if (t.flaggedAt != Long.MIN_VALUE) {
      return;
    }
    t.flaggedAt = ts;
    Group g = groups.get(t.group);
    g.flagged++;
    if (g.firstFlag == Long.MIN_VALUE) {
      g.firstFlag = ts;
    }
  }

  /** The results so far. */
  public Report report() {
    List<CampaignResult> campaigns = new ArrayList<>();
    List<BenignResult> benign = new ArrayList<>();
    long benignAccounts = 0;
    long benignFlagged = 0;
    long benignLimited = 0;
    for (Group g : groups) {
      if (g.campaign) {
        campaigns.add(
            new CampaignResult(
                g.name,
                g.lowAndSlow,
                g.seen,
                g.exchanges,
                ratio(g.flagged, g.seen),
                g.firstFlag == Long.MIN_VALUE ? -1 : g.firstFlag - g.start,
                ratio(g.beforeFirstFlag, g.exchanges),
                ratio(g.afterOwnFlag, g.exchanges),
                ratio(g.limited, g.seen),
                g.firstLimit == Long.MIN_VALUE ? -1 : g.firstLimit - g.start,
                ratio(g.afterOwnLimit, g.exchanges)));
      } else {
        benign.add(new BenignResult(g.name, g.hardNegative, g.seen, g.flagged, g.limited));
        benignAccounts += g.seen;
        benignFlagged += g.flagged;
        benignLimited += g.limited;
      }
    }
    return new Report(
        campaigns,
        benign,
        benignAccounts,
        benignFlagged,
        benignLimited,
        unlabelledAccountsFlagged,
        limitPerHour);
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0 : a / (double) b;
  }

  /**
   * Detection of one campaign by the detector and by the rate-limit baseline.
   *
   * @param accounts campaign accounts that sent at least one exchange
   * @param recall share of those accounts flagged
   * @param timeToFirstAlertMillis first flag minus the campaign's first exchange (as observed in
   *     the replay), -1 if never
   * @param beforeFirstAlert share of the campaign's exchanges made before any of it was flagged
   * @param afterOwnFlag share made by accounts already flagged (saved by blocking on alert)
   */
  public record CampaignResult(
      String name,
      boolean lowAndSlow,
      long accounts,
      long exchanges,
      double recall,
      long timeToFirstAlertMillis,
      double beforeFirstAlert,
      double afterOwnFlag,
      double rateLimitRecall,
      long rateLimitTimeToFirstMillis,
      double rateLimitAfterOwnFlag) {}

  /** Flagged accounts of one benign archetype, by the detector and by the rate limit. */
  public record BenignResult(
      String archetype, boolean hardNegative, long accounts, long flagged, long rateLimited) {}

  /** All results of a replay against labels. */
  public record Report(
      List<CampaignResult> campaigns,
      List<BenignResult> benign,
      long benignAccounts,
      long benignFlagged,
      long benignRateLimited,
      long unlabelledFlagged,
      int limitPerHour) {

    public double benignFalsePositiveRate() {
      return ratio(benignFlagged, benignAccounts);
    }

    /** The report as a plain-text table. */
    public String table() {
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              Locale.ROOT,
              "%-22s %8s %10s | %7s %12s %13s %14s | %s%n",
              "campaign",
              "accounts",
              "exchanges",
              "recall",
              "first alert",
              "before first",
              "after own flag",
              "rate limit " + limitPerHour + "/h: recall, first, after own flag"));
      for (CampaignResult c : campaigns) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-22s %8d %10d | %6.1f%% %12s %12.1f%% %13.1f%% | %6.1f%% %10s %6.1f%%%n",
                c.name() + (c.lowAndSlow() ? " (low)" : ""),
                c.accounts(),
                c.exchanges(),
                100 * c.recall(),
                hours(c.timeToFirstAlertMillis()),
                100 * c.beforeFirstAlert(),
                100 * c.afterOwnFlag(),
                100 * c.rateLimitRecall(),
                hours(c.rateLimitTimeToFirstMillis()),
                100 * c.rateLimitAfterOwnFlag()));
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "%n%-22s %8s %8s %12s%n",
              "benign archetype",
              "accounts",
              "flagged",
              "rate limited"));
      for (BenignResult b : benign) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-22s %8d %8d %12d%n",
                b.archetype() + (b.hardNegative() ? " (hard)" : ""),
                b.accounts(),
                b.flagged(),
                b.rateLimited()));
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "benign false-positive rate: detector %.3f%% (%d of %d), rate limit %.3f%% (%d)%n",
              100 * benignFalsePositiveRate(),
              benignFlagged,
              benignAccounts,
              100 * ratio(benignRateLimited, benignAccounts),
              benignRateLimited));
      if (unlabelledFlagged > 0) {
        sb.append("unlabelled accounts flagged: ").append(unlabelledFlagged).append('\n');
      }
      return sb.toString();
    }

    private static String hours(long millis) {
      return millis < 0 ? "never" : String.format(Locale.ROOT, "%+.1fh", millis / 3.6e6);
    }
  }

  private static final class Group {
    final String name;
    final boolean campaign;
    final boolean hardNegative;
    final boolean lowAndSlow;
    long start = Long.MAX_VALUE;
    long seen;
    long exchanges;
    long flagged;
    long limited;
    long beforeFirstFlag;
    long afterOwnFlag;
    long afterOwnLimit;
    long firstFlag = Long.MIN_VALUE;
    long firstLimit = Long.MIN_VALUE;

    Group(String name, boolean campaign, boolean hardNegative, boolean lowAndSlow) {
      this.name = name;
      this.campaign = campaign;
      this.hardNegative = hardNegative;
      this.lowAndSlow = lowAndSlow;
    }
  }

  private static final class Track {
    final int group;
    long exchanges;
    long afterFlag;
    long afterLimit;
    long flaggedAt = Long.MIN_VALUE;
    long limitedAt = Long.MIN_VALUE;
    SlidingWindow window;

    Track(int group) {
      this.group = group;
    }
  }
}
