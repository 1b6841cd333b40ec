package io.distillwatch.examples.generate;

import static io.distillwatch.examples.generate.Timing.DAY;
import static io.distillwatch.examples.generate.Timing.HOUR;
import static io.distillwatch.examples.generate.Timing.MINUTE;
import static io.distillwatch.examples.generate.Timing.SECOND;

import io.distillwatch.examples.generate.Networks.Endpoint;
import io.distillwatch.examples.generate.Networks.Net;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Builds the labelled account groups of a trace: the selected campaign presets and the benign
 * population. All parameter ranges live here, one method per preset; {@link ScenarioPresets}
 * documents them in a table.
 *
 * <p>Implementation notes. Group-level shared things (template pools, payment cards, proxy pools,
 * NAT addresses) are pure functions of the group seed, so they are identical in every pass and for
 * every account; account-level parameters are drawn from the account's own stream in {@link
 * Group.Factory#configure}. Nothing marks an attacker: campaign accounts use the same user agents,
 * ASNs, models and id formats as benign ones, and the benign hard negatives reproduce each signal a
 * campaign shows (volume, shared templates, shared IPs and payment, clockwork timing, reasoning
 * share, fast model adoption).
 */
final class Population {
  static final int BENIGN_ACCOUNTS_AT_SCALE_1 = 100_000;

  /**
   * Per-account daily budget of hydra accounts: they average 26-46 a day and never exceed this on
   * any UTC day, staying under a conservative per-account limit of 60 a day.
   */
  static final int HYDRA_DAILY_CAP = 60;

  /** Resolved generation settings. */
  record Config(
      long seed, double scale, long start, long end, long modelRelease, int minBenignAccounts) {}

  private final Config cfg;

  Population(Config cfg) {
    this.cfg = cfg;
  }

  /** The groups for the given campaign names, campaigns first (in preset order), then benign. */
  List<Group> groups(Set<String> campaigns) {
    List<Group> out = new ArrayList<>();
    for (String name : ScenarioPresets.CAMPAIGNS) {
      if (campaigns.contains(name)) {
        out.add(campaign(name));
      }
    }
    for (Evasion e : EVASIONS) {
      if (campaigns.contains(e.name())) {
        out.add(evasion(e));
      }
    }
    out.addAll(benign());
    return out;
  }

  // ---------------------------------------------------------------- campaigns

  private Group campaign(String name) {
    return switch (name) {
      case ScenarioPresets.REASONING_150K -> reasoning150k();
      case ScenarioPresets.AGENTIC_3_4M -> agentic34m();
      case ScenarioPresets.PIVOT_13M -> pivot13m();
      case ScenarioPresets.HYDRA_28M -> hydra28m();
      case ScenarioPresets.LOW_AND_SLOW -> lowAndSlow();
      default -> throw new IllegalArgumentException("unknown campaign " + name);
    };
  }

  private int campaignAccounts(int atScale1, int floor) {
    return (int) Math.max(floor, Math.round(atScale1 * cfg.scale()));
  }

  private Group campaignGroup(String name, boolean lowAndSlow, long from, long to, int accounts) {
    return new Group(
        name,
        true,
        false,
        lowAndSlow,
        Math.max(from, cfg.start()),
        Math.min(to, cfg.end()),
        cfg.seed(),
        accounts);
  }

  /** Chain-of-thought harvesting from a few dozen datacenter accounts for two weeks. */
  private Group reasoning150k() {
    Group g =
        campaignGroup(
            ScenarioPresets.REASONING_150K,
            false,
            ms("2026-04-18T00:00:00Z"),
            ms("2026-05-02T00:00:00Z"),
            campaignAccounts(36, 3));
    long[] pool = pool(g.seed, 40);
    String[] cards = cards(g.seed, new SplittableRandom(g.seed).nextInt(3, 7));
    Net[] nets = pick(Networks.DATACENTER, g.seed, 3);
    g.factory =
        (a, r) -> {
          a.timing =
              new Timing.Steady(
                  g.windowStart, g.windowEnd, DAY / Range.of(220, 380).draw(r), sigma(r, 0.2, 0.8));
          a.content =
              new Content(
                  Content.mix(25, 0, 50, 0, 0, 25, 0).jitter(r, 0.3),
                  Range.of(0.8, 0.95).draw(r),
                  0.05,
                  1.5,
                  Range.of(400, 1200).drawLog(r),
                  Range.of(1500, 3500).drawLog(r));
          a.templates = subset(r, pool, Range.of(6, 16).drawInt(r));
          a.templateUse = 0.95;
          a.payment = cards[r.nextInt(cards.length)];
          a.ips = sticky(r, nets, Range.of(1, 3).drawInt(r), 0.6);
          scriptedClient(a, r);
          adoptNewModel(a, r, Range.of(1, 5).draw(r) * DAY, 0.9);
        };
    return g;
  }

  /** Agentic and tool-use harvesting by scripted SDK clients over three weeks. */
  private Group agentic34m() {
    int n = campaignAccounts(350, 5);
    Group g =
        campaignGroup(
            ScenarioPresets.AGENTIC_3_4M,
            false,
            ms("2026-04-25T00:00:00Z"),
            ms("2026-05-16T00:00:00Z"),
            n);
    long[] pool = pool(g.seed, 80);
    int[] cardOf = cardBlocks(g.seed, n, Range.of(10, 40));
    Net[] nets = pick(Networks.DATACENTER, g.seed, 4);
    Endpoint[] ipPool = endpoints(g.seed, nets, Math.max(12, n / 5));
    g.factory =
        (a, r) -> {
          a.timing =
              new Timing.Steady(
                  g.windowStart + (long) (r.nextDouble() * 2 * DAY),
                  g.windowEnd,
                  DAY / Range.of(330, 600).draw(r),
                  sigma(r, 0.4, 1.0));
          a.content =
              new Content(
                  Content.mix(40, 55, 5, 0, 0, 0, 0).jitter(r, 0.3),
                  Range.of(0.1, 0.3).draw(r),
                  Range.of(0.6, 0.85).draw(r),
                  Range.of(2, 5).draw(r),
                  Range.of(800, 2500).drawLog(r),
                  Range.of(500, 1200).drawLog(r));
          a.templates = subset(r, pool, Range.of(10, 30).drawInt(r));
          a.templateUse = 0.9;
          a.payment = card(g.seed, cardOf[a.index]);
          a.ips = stickyFrom(r, ipPool, Range.of(1, 4).drawInt(r));
          scriptedClient(a, r);
          adoptNewModel(a, r, Range.of(1, 5).draw(r) * DAY, 0.9);
        };
    return g;
  }

  /** Volume harvesting that moves onto the new model within a day of its release. */
  private Group pivot13m() {
    int n = campaignAccounts(2_500, 10);
    long release = cfg.modelRelease();
    Group g =
        campaignGroup(ScenarioPresets.PIVOT_13M, false, release - 14 * DAY, release + 14 * DAY, n);
    long[] pool = pool(g.seed, 150);
    int[] cardOf = cardBlocks(g.seed, n, Range.of(5, 30));
    Net[] nets = pick(Networks.DATACENTER, g.seed, 5);
    Endpoint[] ipPool = endpoints(g.seed, nets, Math.max(20, n / 3));
    g.factory =
        (a, r) -> {
          a.timing =
              new Timing.Steady(
                  g.windowStart + (long) (r.nextDouble() * 3 * DAY),
                  g.windowEnd,
                  DAY / Range.of(130, 240).draw(r),
                  sigma(r, 0.3, 1.0));
          a.content =
              new Content(
                  Content.mix(35, 20, 30, 0, 0, 15, 0).jitter(r, 0.3),
                  Range.of(0.4, 0.7).draw(r),
                  Range.of(0.2, 0.5).draw(r),
                  2.5,
                  Range.of(500, 1500).drawLog(r),
                  Range.of(700, 1800).drawLog(r));
          a.templates = subset(r, pool, Range.of(10, 40).drawInt(r));
          a.templateUse = 0.9;
          a.payment = card(g.seed, cardOf[a.index]);
          a.ips = stickyFrom(r, ipPool, Range.of(1, 3).drawInt(r));
          scriptedClient(a, r);
          a.adoptNewModelAt = release + (long) (Range.of(0.5, 20).draw(r) * HOUR);
          a.newModelShare = Range.of(0.9, 1.0).draw(r);
        };
    return g;
  }

  /**
   * The hydra cluster: tens of thousands of quiet accounts joining in waves, each request exiting
   * from a residential proxy pool shared by its cluster, payment cards shared by blocks of
   * accounts, extraction mixed with casual-looking traffic.
   */
  private Group hydra28m() {
    int n = campaignAccounts(25_000, 20);
    Group g =
        campaignGroup(
            ScenarioPresets.HYDRA_28M,
            false,
            ms("2026-04-22T00:00:00Z"),
            ms("2026-06-05T00:00:00Z"),
            n);
    long from = g.windowStart;
    long to = g.windowEnd;
    long[] pool = pool(g.seed, 300);
    int[] cardOf = cardBlocks(g.seed, n, Range.of(20, 200));
    Net[] proxyNets = concat(Networks.RESIDENTIAL, Networks.MOBILE);
    int clusterSize = 1_000;
    double[] waveDay = {0, 5, 10, 16, 23, 30};
    Weights wave = new Weights(0.6, 0.12, 0.1, 0.08, 0.06, 0.04);
    g.factory =
        (a, r) -> {
          long join = from + (long) ((waveDay[wave.pick(r)] + 2 * r.nextDouble()) * DAY);
          long leave = r.nextDouble() < 0.2 ? join + (long) (Range.of(4, 21).draw(r) * DAY) : to;
          leave = Math.min(leave, to);
          double perDay = Range.of(26, 46).draw(r);
          if (r.nextDouble() < 0.6) {
            a.timing = new Timing.Steady(join, leave, DAY / perDay, sigma(r, 0.3, 1.2));
          } else {
            double perSession = Range.of(3, 8).draw(r);
            a.timing =
                new Timing.Sessions(
                    join,
                    leave,
                    perDay / perSession,
                    perSession,
                    Range.of(20, 120).draw(r) * SECOND,
                    1,
                    1,
                    tz(r),
                    Timing.DAYTIME);
          }
          a.content =
              new Content(
                  Content.mix(35, 25, 30, 0, 0, 10, 0).jitter(r, 0.4),
                  Range.of(0.45, 0.75).draw(r),
                  Range.of(0.3, 0.6).draw(r),
                  2.5,
                  Range.of(600, 1500).drawLog(r),
                  Range.of(700, 1500).drawLog(r));
          a.dailyCap = HYDRA_DAILY_CAP;
          a.camouflage = Content.casual(r);
          a.camouflageShare = Range.of(0.1, 0.35).draw(r);
          a.templates = subset(r, pool, Range.of(15, 40).drawInt(r));
          a.templateUse = 0.9;
          a.commonTemplateShare = 0.15;
          a.payment = card(g.seed, cardOf[a.index]);
          a.ips = Actor.pool(proxyNets, Ids.hash(g.seed, a.index / clusterSize), 20 * clusterSize);
          if (r.nextBoolean()) {
            scriptedClient(a, r);
          } else {
            a.userAgents = new String[] {BROWSERS[r.nextInt(BROWSERS.length)]};
          }
          adoptNewModel(a, r, Range.of(2, 72).draw(r) * HOUR, 0.9);
        };
    return g;
  }

  /** A deliberately human-looking campaign: diurnal, few per day, only skewed, loosely linked. */
  private Group lowAndSlow() {
    int n = campaignAccounts(400, 10);
    Group g =
        campaignGroup(
            ScenarioPresets.LOW_AND_SLOW,
            true,
            ms("2026-04-20T00:00:00Z"),
            ms("2026-06-01T00:00:00Z"),
            n);
    long[] pool = pool(g.seed, 60);
    SplittableRandom gr = new SplittableRandom(g.seed);
    Net[] nets = {Networks.any(Networks.RESIDENTIAL, gr), Networks.any(Networks.DATACENTER, gr)};
    Endpoint[] ipPool = endpoints(g.seed, nets, Math.max(8, n / 25));
    long campaignTz = (long) (new double[] {8, 3, -5}[gr.nextInt(3)] * HOUR);
    g.factory =
        (a, r) -> {
          a.timing =
              new Timing.Sessions(
                  g.windowStart + (long) (r.nextDouble() * 7 * DAY),
                  g.windowEnd,
                  Range.of(2, 4).draw(r),
                  Range.of(2, 4).draw(r),
                  Range.of(60, 300).draw(r) * SECOND,
                  Range.of(0.7, 0.95).draw(r),
                  Range.of(0.5, 0.9).draw(r),
                  campaignTz + (r.nextInt(3) - 1) * HOUR,
                  Timing.DAYTIME);
          a.content =
              new Content(
                  Content.mix(20, 5, 30, 20, 5, 20, 5).jitter(r, 0.3),
                  Range.of(0.3, 0.5).draw(r),
                  0.05,
                  1.5,
                  Range.of(200, 700).drawLog(r),
                  Range.of(400, 900).drawLog(r));
          a.templates = subset(r, pool, Range.of(8, 20).drawInt(r));
          a.templateUse = Range.of(0.6, 0.85).draw(r);
          a.commonTemplateShare = 0.1;
          a.payment = Ids.hex16(r.nextLong());
          a.ips = stickyFrom(r, ipPool, Range.of(2, 5).drawInt(r));
          a.userAgents = new String[] {BROWSERS[r.nextInt(BROWSERS.length)]};
          benignAdoption(a, r);
        };
    return g;
  }

  // ---------------------------------------------------------------- evasion study

  /** Exchange budget of every evasion preset at scale 1; the accounts follow from the rate. */
  static final long EVASION_BUDGET_AT_SCALE_1 = 5_000_000;

  /** Where an evasion preset's requests come from. */
  enum IpMode {
    /** 1-3 sticky addresses per account from a small campaign datacenter pool (no hiding). */
    DATACENTER_POOL,
    /** A new residential or mobile proxy exit per request (rotating per request). */
    ROTATING_PROXY,
    /** A home-like set per account: one ISP's addresses and a phone (sticky residential proxy). */
    RESIDENTIAL
  }

  /**
   * One adaptive attacker: what it pays to hide. See the evasion table in {@link ScenarioPresets}.
   *
   * @param perDay exchanges per account per calendar day
   * @param humanTiming diurnal sessions with idle days and a browser UA, not a scheduler
   * @param underLevels content at the top of the power-user ranges, not harvesting levels
   * @param randomTemplates a fresh template per prompt, not a small pool
   * @param ips where requests come from
   * @param ownCards a payment card per account, not per block of accounts
   * @param camouflage share of casual-looking exchanges mixed in
   */
  record Evasion(
      String name,
      double perDay,
      boolean humanTiming,
      boolean underLevels,
      boolean randomTemplates,
      IpMode ips,
      boolean ownCards,
      double camouflage) {

    /** The baseline campaign with another name and rate. */
    static Evasion plain(String name, double perDay) {
      return new Evasion(name, perDay, false, false, false, IpMode.DATACENTER_POOL, false, 0);
    }

    /** Every knob on at the given rate. */
    static Evasion full(String name, double perDay) {
      return new Evasion(name, perDay, true, true, true, IpMode.RESIDENTIAL, true, 0.3);
    }
  }

  /** The evasion presets, in {@link ScenarioPresets#EVASION} order. */
  static final List<Evasion> EVASIONS =
      List.of(
          Evasion.plain(ScenarioPresets.EVASION_BASELINE, 500),
          Evasion.plain(ScenarioPresets.EVASION_SPREAD_100, 100),
          Evasion.plain(ScenarioPresets.EVASION_SPREAD_30, 30),
          Evasion.plain(ScenarioPresets.EVASION_SPREAD_10, 10),
          new Evasion(
              ScenarioPresets.EVASION_UNDER_LEVELS,
              30,
              false,
              true,
              false,
              IpMode.DATACENTER_POOL,
              false,
              0),
          new Evasion(
              ScenarioPresets.EVASION_RANDOM_TEMPLATES,
              30,
              false,
              false,
              true,
              IpMode.DATACENTER_POOL,
              false,
              0),
          new Evasion(
              ScenarioPresets.EVASION_HUMAN_TIMING,
              30,
              true,
              false,
              false,
              IpMode.DATACENTER_POOL,
              false,
              0),
          new Evasion(
              ScenarioPresets.EVASION_ROTATE_IP,
              30,
              false,
              false,
              false,
              IpMode.ROTATING_PROXY,
              false,
              0),
          new Evasion(
              ScenarioPresets.EVASION_CAMOUFLAGE,
              30,
              false,
              false,
              false,
              IpMode.DATACENTER_POOL,
              false,
              0.5),
          new Evasion(
              ScenarioPresets.EVASION_OWN_CARDS,
              30,
              false,
              false,
              false,
              IpMode.DATACENTER_POOL,
              true,
              0),
          new Evasion(
              ScenarioPresets.EVASION_UNLINKED,
              30,
              false,
              false,
              true,
              IpMode.DATACENTER_POOL,
              true,
              0),
          new Evasion(
              ScenarioPresets.EVASION_UNLINKED_HUMAN,
              30,
              true,
              false,
              true,
              IpMode.RESIDENTIAL,
              true,
              0),
          new Evasion(
              ScenarioPresets.EVASION_UNLINKED_UNDER,
              30,
              false,
              true,
              true,
              IpMode.DATACENTER_POOL,
              true,
              0),
          Evasion.full(ScenarioPresets.EVASION_FULL_30, 30),
          Evasion.full(ScenarioPresets.EVASION_FULL_10, 10),
          Evasion.full(ScenarioPresets.EVASION_FULL_3, 3));

  /**
   * An adaptive attacker with a fixed exchange budget over three weeks: the baseline is a plain
   * scripted reasoning harvest (like {@code reasoning-150k}); each knob of {@code e} swaps one of
   * its tells for what benign heavy users show, at a price (more accounts, cards, proxies, or less
   * harvest per exchange).
   */
  private Group evasion(Evasion e) {
    long from = ms("2026-04-18T00:00:00Z");
    long to = ms("2026-05-09T00:00:00Z");
    double days = (to - from) / (double) DAY;
    // Human sessions: weekdays 90% and weekends 60% active, so an active day carries more.
    double activeDays = e.humanTiming() ? (5 * 0.9 + 2 * 0.6) / 7 : 1;
    long budget = Math.round(EVASION_BUDGET_AT_SCALE_1 * cfg.scale());
    int n = (int) Math.max(3, Math.round(budget / (e.perDay() * days)));
    Group g = campaignGroup(e.name(), false, from, to, n);
    long[] pool = pool(g.seed, 40);
    int[] cardOf = cardBlocks(g.seed, n, Range.of(5, 20));
    Endpoint[] datacenter =
        endpoints(g.seed, pick(Networks.DATACENTER, g.seed, 3), Math.max(6, n / 4));
    Net[] proxyNets = concat(Networks.RESIDENTIAL, Networks.MOBILE);
    long proxySeed = Ids.hash(g.seed, 0x9E0);
    int proxyPool = Math.max(1_000, 20 * n);
    g.factory =
        (a, r) -> {
          if (e.humanTiming()) {
            double perSession = Range.of(3, 8).draw(r);
            a.timing =
                new Timing.Sessions(
                    g.windowStart + (long) (r.nextDouble() * 2 * DAY),
                    g.windowEnd,
                    e.perDay() / activeDays / perSession,
                    perSession,
                    Range.of(30, 180).draw(r) * SECOND,
                    0.9,
                    0.6,
                    tz(r),
                    Timing.DAYTIME);
            a.userAgents = new String[] {browser(r)};
          } else {
            a.timing =
                new Timing.Steady(
                    g.windowStart + (long) (r.nextDouble() * 2 * DAY),
                    g.windowEnd,
                    DAY / e.perDay(),
                    sigma(r, 0.3, 0.8));
            scriptedClient(a, r);
          }
          if (e.underLevels()) {
            a.content =
                new Content(
                    Content.mix(30, 10, 20, 15, 5, 15, 5).jitter(r, 0.3),
                    Range.of(0.25, 0.35).draw(r),
                    Range.of(0.15, 0.3).draw(r),
                    2,
                    Range.of(300, 1500).drawLog(r),
                    Range.of(800, 1200).drawLog(r));
          } else {
            a.content =
                new Content(
                    Content.mix(30, 10, 45, 0, 0, 15, 0).jitter(r, 0.3),
                    Range.of(0.8, 0.95).draw(r),
                    0.1,
                    1.5,
                    Range.of(400, 1200).drawLog(r),
                    Range.of(1500, 3500).drawLog(r));
          }
          if (e.randomTemplates()) {
            a.commonTemplateShare = 0.15;
          } else {
            a.templates = subset(r, pool, Range.of(6, 16).drawInt(r));
            a.templateUse = 0.95;
          }
          a.ips =
              switch (e.ips()) {
                case DATACENTER_POOL -> stickyFrom(r, datacenter, Range.of(1, 3).drawInt(r));
                case ROTATING_PROXY -> Actor.pool(proxyNets, proxySeed, proxyPool);
                case RESIDENTIAL -> home(r);
              };
          a.payment = e.ownCards() ? Ids.hex16(r.nextLong()) : card(g.seed, cardOf[a.index]);
          if (e.camouflage() > 0) {
            a.camouflage = Content.casual(r);
            a.camouflageShare = e.camouflage();
          }
          benignAdoption(a, r);
        };
    return g;
  }

  // ---------------------------------------------------------------- benign population

  private List<Group> benign() {
    int total =
        (int)
            Math.max(cfg.minBenignAccounts(), Math.round(BENIGN_ACCOUNTS_AT_SCALE_1 * cfg.scale()));
    int power = share(total, 0.01, 20);
    int enterprise = share(total, 0.001, 50);
    int ci = share(total, 0.002, 20);
    int research = share(total, 0.003, 20);
    int ide = share(total, 0.15, 20);
    int nat = share(total, 0.02, 40);
    int casual = Math.max(20, total - power - enterprise - ci - research - ide - nat);
    return List.of(
        casual(casual),
        powerUser(power),
        enterpriseBatch(enterprise),
        ciBot(ci),
        researcherBenchmark(research),
        ideTemplate(ide),
        sharedNat(nat));
  }

  private static int share(int total, double share, int floor) {
    return (int) Math.max(floor, Math.round(total * share));
  }

  private Group benignGroup(String name, boolean hardNegative, int accounts) {
    return new Group(
        name, false, hardNegative, false, cfg.start(), cfg.end(), cfg.seed(), accounts);
  }

  private void casualPerson(Group g, Actor a, SplittableRandom r) {
    a.timing =
        new Timing.Sessions(
            g.windowStart,
            g.windowEnd,
            Range.of(0.8, 2.5).draw(r),
            Range.of(1.5, 4).draw(r),
            Range.of(30, 240).draw(r) * SECOND,
            Range.of(0.1, 0.7).draw(r),
            Range.of(0.1, 0.8).draw(r),
            tz(r),
            Timing.DAYTIME);
    a.content = Content.casual(r);
    a.commonTemplateShare = Range.of(0.05, 0.25).draw(r);
    a.payment = r.nextDouble() < 0.75 ? Ids.hex16(r.nextLong()) : null;
    a.ips = home(r);
    consumerClient(a, r);
    benignAdoption(a, r);
  }

  private Group casual(int n) {
    Group g = benignGroup(ScenarioPresets.CASUAL, false, n);
    g.factory = (a, r) -> casualPerson(g, a, r);
    return g;
  }

  private Group powerUser(int n) {
    Group g = benignGroup(ScenarioPresets.POWER_USER, false, n);
    g.factory =
        (a, r) -> {
          a.timing =
              new Timing.Sessions(
                  g.windowStart,
                  g.windowEnd,
                  Range.of(4, 10).draw(r),
                  Range.of(8, 30).draw(r),
                  Range.of(15, 90).draw(r) * SECOND,
                  Range.of(0.7, 0.95).draw(r),
                  Range.of(0.4, 0.9).draw(r),
                  tz(r),
                  r.nextBoolean() ? Timing.DAYTIME : Timing.WORK_HOURS);
          a.content =
              new Content(
                  Content.mix(30, 10, 15, 20, 5, 15, 5).jitter(r, 0.6),
                  Range.of(0.1, 0.35).draw(r),
                  Range.of(0.05, 0.3).draw(r),
                  2,
                  Range.of(300, 1500).drawLog(r),
                  Range.of(400, 1200).drawLog(r));
          a.templates = pool(r.nextLong(), Range.of(5, 30).drawInt(r));
          a.templateUse = Range.of(0.1, 0.5).draw(r);
          a.commonTemplateShare = 0.1;
          a.payment = Ids.hex16(r.nextLong());
          Endpoint[] eps = {
            Networks.endpoint(Networks.RESIDENTIAL, r),
            Networks.endpoint(Networks.MOBILE, r),
            Networks.endpoint(Networks.DATACENTER, r) // a VPN exit
          };
          a.ips = Actor.sticky(eps, new Weights(0.8, 0.12, 0.08));
          a.userAgents = new String[] {browser(r), sdk(r)};
          a.userAgentWeights = new Weights(0.6, 0.4);
          a.rateLimitedProb = 0.01;
          benignAdoption(a, r);
        };
    return g;
  }

  /** One declared organisation's batch jobs: many service accounts behind one NAT address. */
  private Group enterpriseBatch(int n) {
    Group g = benignGroup(ScenarioPresets.ENTERPRISE_BATCH, true, n);
    SplittableRandom gr = new SplittableRandom(g.seed);
    String org = Ids.org(gr.nextLong());
    String card = Ids.hex16(gr.nextLong());
    Endpoint nat = Networks.endpoint(Networks.DATACENTER, gr);
    long[] pool = pool(g.seed, Range.of(4, 8).drawInt(gr));
    String ua = SDKS[gr.nextInt(SDKS.length)];
    g.factory =
        (a, r) -> {
          a.timing =
              new Timing.Steady(
                  g.windowStart, g.windowEnd, DAY / Range.of(40, 160).draw(r), sigma(r, 0.1, 0.4));
          a.content =
              new Content(
                  Content.mix(25, 0, 0, 0, 0, 55, 20).jitter(r, 0.5),
                  0.05,
                  0.1,
                  1.5,
                  Range.of(1500, 4000).drawLog(r),
                  Range.of(200, 600).drawLog(r));
          a.templates = subset(r, pool, Range.of(1, 3).drawInt(r));
          a.orgId = org;
          a.payment = card;
          a.ips = (rr, run) -> nat;
          a.userAgents = new String[] {ua};
          a.rateLimitedProb = 0.01;
          adoptNewModel(a, r, Range.of(7, 30).draw(r) * DAY, 1.0);
        };
    return g;
  }

  /** CI bots replaying the same test prompts every night on a cron schedule. */
  private Group ciBot(int n) {
    Group g = benignGroup(ScenarioPresets.CI_BOT, true, n);
    g.factory =
        (a, r) -> {
          int suite = Range.of(30, 300).drawInt(r);
          a.timing =
              new Timing.Cron(
                  g.windowStart,
                  g.windowEnd,
                  Range.of(0, 6).drawInt(r) * HOUR + r.nextInt(4) * 15 * MINUTE,
                  suite,
                  Range.of(1, 6).draw(r) * SECOND,
                  r.nextBoolean() ? 1 : 0);
          a.content =
              new Content(
                  Content.mix(90, 10, 0, 0, 0, 0, 0), 0.1, 0.3, 2, 900, Range.of(200, 800).draw(r));
          a.items = pool(r.nextLong(), suite);
          a.templates = pool(r.nextLong(), Range.of(2, 6).drawInt(r));
          a.payment = Ids.hex16(r.nextLong());
          a.ips = Actor.perRun(Networks.CI, r.nextLong());
          a.userAgents = new String[] {sdk(r)};
          a.smallModelShare = r.nextBoolean() ? 1 : 0;
        };
    return g;
  }

  /**
   * Researchers re-running public reasoning benchmarks: bursts of a fixed item set, several models,
   * labs sharing a university address, a card and (some) an org id. Benchmarks are public, so
   * different labs send the same prompt hashes.
   */
  private Group researcherBenchmark(int n) {
    Group g = benignGroup(ScenarioPresets.RESEARCHER_BENCHMARK, true, n);
    int benchmarks = 6;
    int labSize = 4;
    g.factory =
        (a, r) -> {
          int lab = a.index / labSize;
          SplittableRandom lr = new SplittableRandom(Ids.hash(g.seed, 0x1AB, lab));
          Net uni = Networks.any(Networks.UNIVERSITY, lr);
          int base = uni.address(lr.nextLong()) & ~0xFF;
          Endpoint[] eps = {
            new Endpoint(Ids.ipv4(base | (10 + lr.nextInt(200))), uni.asn()),
            new Endpoint(Ids.ipv4(base | (10 + lr.nextInt(200))), uni.asn())
          };
          String card = Ids.hex16(lr.nextLong());
          String org = lr.nextDouble() < 0.6 ? Ids.org(lr.nextLong()) : null;
          long tz = tz(lr);
          int bench = r.nextInt(benchmarks);
          int size = Range.of(800, 2500).drawInt(r);
          a.timing =
              new Timing.Bursts(
                  g.windowStart,
                  g.windowEnd,
                  Range.of(3, 12),
                  size,
                  Range.of(200, 1500).draw(r),
                  tz);
          a.content =
              new Content(
                  Content.mix(20, 0, 70, 0, 0, 10, 0),
                  0.9,
                  0.02,
                  1,
                  600,
                  Range.of(800, 2000).draw(r));
          a.items = benchmarkItems(bench, size);
          a.templates = pool(Ids.hash(0xBE4C, bench), 2 + bench % 3);
          a.orgId = org;
          a.payment = card;
          a.ips = Actor.sticky(eps, new Weights(0.8, 0.2));
          a.userAgents = new String[] {sdk(r)};
          a.modelPerRun = true;
          a.adoptNewModelAt = cfg.modelRelease() + (long) (Range.of(0, 3).draw(r) * DAY);
          a.rateLimitedProb = 0.02;
        };
    return g;
  }

  /**
   * Developers whose IDE agent sends the same system-prompt template, in working hours. The IDE's
   * release for the new model ships new system prompts, which each developer moves to on adopting
   * the model: for a few hours after the release they are rare, and their first users share them.
   */
  private Group ideTemplate(int n) {
    Group g = benignGroup(ScenarioPresets.IDE_TEMPLATE, true, n);
    long[] systemPrompts = pool(Ids.hash(cfg.seed(), 0x1DE), 2);
    long[] releasePrompts = pool(Ids.hash(cfg.seed(), 0x1DE2), 2);
    g.factory =
        (a, r) -> {
          a.timing =
              new Timing.Sessions(
                  g.windowStart,
                  g.windowEnd,
                  Range.of(3, 8).draw(r),
                  Range.of(3, 8).draw(r),
                  Range.of(30, 150).draw(r) * SECOND,
                  Range.of(0.7, 0.95).draw(r),
                  Range.of(0.05, 0.2).draw(r),
                  tz(r),
                  Timing.WORK_HOURS);
          a.content =
              new Content(
                  Content.mix(70, 25, 0, 5, 0, 0, 0).jitter(r, 0.3),
                  Range.of(0.05, 0.2).draw(r),
                  Range.of(0.4, 0.8).draw(r),
                  3,
                  Range.of(1500, 5000).drawLog(r),
                  Range.of(300, 900).drawLog(r));
          a.templates = systemPrompts;
          a.templatesOnNewModel = releasePrompts;
          a.templateUse = 0.9;
          a.payment = Ids.hex16(r.nextLong());
          a.ips = home(r);
          a.userAgents = new String[] {IDES[r.nextInt(IDES.length)]};
          adoptNewModel(a, r, Timing.exp(r, 5) * DAY, 0.8);
        };
    return g;
  }

  /** Ordinary users behind campus or office NAT addresses, otherwise casual. */
  private Group sharedNat(int n) {
    Group g = benignGroup(ScenarioPresets.SHARED_NAT, true, n);
    int[] natOf = cardBlocks(g.seed, n, Range.of(40, 200));
    g.factory =
        (a, r) -> {
          casualPerson(g, a, r);
          SplittableRandom nr = new SplittableRandom(Ids.hash(g.seed, 0x4A7, natOf[a.index]));
          Endpoint nat =
              Networks.endpoint(nr.nextBoolean() ? Networks.UNIVERSITY : Networks.DATACENTER, nr);
          Endpoint[] eps = {nat, Networks.endpoint(Networks.RESIDENTIAL, r)};
          a.ips = Actor.sticky(eps, new Weights(0.85, 0.15));
        };
    return g;
  }

  // ---------------------------------------------------------------- shared helpers

  static final String[] BROWSERS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        + " Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/123.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
        + " Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  };

  static final String[] APPS = {
    "ChatApp/3.12.0 (iOS 17.4.1)", "ChatApp/3.11.2 (Android 14)", "ChatApp-Desktop/1.6.0 (macOS)"
  };

  /** SDK and HTTP-library user agents: scripted benign and attack clients alike. */
  static final String[] SDKS = {
    "python-httpx/0.27.0",
    "OpenAI/Python 1.30.1",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "python-requests/2.31.0",
    "axios/1.6.8",
  };

  static final String[] IDES = {
    "CodeAssist-IDE/1.8.2 (vscode 1.89.0)",
    "CodeAssist-IDE/1.8.3 (vscode 1.89.1)",
    "CodeAssist-IDE/1.8.2 (jetbrains 2024.1)"
  };

  private static String browser(SplittableRandom r) {
    return BROWSERS[r.nextInt(BROWSERS.length)];
  }

  private static String sdk(SplittableRandom r) {
    return SDKS[r.nextInt(SDKS.length)];
  }

  private static void scriptedClient(Actor a, SplittableRandom r) {
    a.userAgents = new String[] {sdk(r)};
  }

  private static void consumerClient(Actor a, SplittableRandom r) {
    if (r.nextDouble() < 0.6) {
      a.userAgents = new String[] {browser(r), APPS[r.nextInt(APPS.length)]};
      a.userAgentWeights = new Weights(0.7, 0.3);
    } else {
      a.userAgents = new String[] {r.nextBoolean() ? browser(r) : APPS[r.nextInt(APPS.length)]};
    }
  }

  /** Home broadband (one ISP, 1-3 addresses over time as DHCP leases change) plus a phone. */
  private static Actor.IpSource home(SplittableRandom r) {
    Net isp = Networks.any(Networks.RESIDENTIAL, r);
    int k = Range.of(1, 3).drawInt(r);
    Endpoint[] eps = new Endpoint[k + 1];
    double[] w = new double[k + 1];
    for (int i = 0; i < k; i++) {
      eps[i] = isp.endpoint(r.nextLong());
      w[i] = 1.0 / (i + 1);
    }
    eps[k] = Networks.endpoint(Networks.MOBILE, r);
    w[k] = 0.25;
    return Actor.sticky(eps, new Weights(w));
  }

  private static Actor.IpSource sticky(SplittableRandom r, Net[] nets, int k, double first) {
    Endpoint[] eps = new Endpoint[k];
    double[] w = new double[k];
    for (int i = 0; i < k; i++) {
      eps[i] = Networks.any(nets, r).endpoint(r.nextLong());
      w[i] = i == 0 ? first : (1 - first) / (k - 1);
    }
    return Actor.sticky(eps, new Weights(w));
  }

  private static Actor.IpSource stickyFrom(SplittableRandom r, Endpoint[] pool, int k) {
    Endpoint[] eps = new Endpoint[k];
    double[] w = new double[k];
    for (int i = 0; i < k; i++) {
      eps[i] = pool[r.nextInt(pool.length)];
      w[i] = 1;
    }
    return Actor.sticky(eps, new Weights(w));
  }

  private static Endpoint[] endpoints(long seed, Net[] nets, int n) {
    SplittableRandom r = new SplittableRandom(Ids.hash(seed, 0x1905));
    Endpoint[] out = new Endpoint[n];
    for (int i = 0; i < n; i++) {
      out[i] = Networks.any(nets, r).endpoint(r.nextLong());
    }
    return out;
  }

  private static Net[] pick(Net[] kind, long seed, int k) {
    SplittableRandom r = new SplittableRandom(Ids.hash(seed, 0x2E75));
    Net[] out = new Net[k];
    for (int i = 0; i < k; i++) {
      out[i] = kind[r.nextInt(kind.length)];
    }
    return out;
  }

  private static Net[] concat(Net[] a, Net[] b) {
    Net[] out = new Net[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A pool of {@code n} template (or item) hashes derived from a seed. */
  private static long[] pool(long seed, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = Ids.hash(seed, 0x7E3, i);
    }
    return out;
  }

  /** The first {@code size} items of public benchmark {@code b}: the same for every lab. */
  private static long[] benchmarkItems(int b, int size) {
    return pool(Ids.hash(0xBE4C4, b), size);
  }

  /** {@code k} distinct elements of the pool, in random order (partial Fisher-Yates). */
  private static long[] subset(SplittableRandom r, long[] pool, int k) {
    k = Math.min(Math.max(1, k), pool.length);
    long[] copy = pool.clone();
    for (int i = 0; i < k; i++) {
      int j = i + r.nextInt(copy.length - i);
      long t = copy[i];
      copy[i] = copy[j];
      copy[j] = t;
    }
    return java.util.Arrays.copyOf(copy, k);
  }

  private static String[] cards(long seed, int n) {
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = card(seed, i);
    }
    return out;
  }

  private static String card(long seed, int i) {
    return Ids.hex16(Ids.hash(seed, 0xCA4D, i));
  }

  /** Assigns accounts to consecutive blocks with sizes drawn from the range (cards, NATs). */
  private static int[] cardBlocks(long seed, int n, Range blockSize) {
    SplittableRandom r = new SplittableRandom(Ids.hash(seed, 0xB10C));
    int[] out = new int[n];
    int block = 0;
    int left = blockSize.drawInt(r);
    for (int i = 0; i < n; i++) {
      if (left-- <= 0) {
        block++;
        left = blockSize.drawInt(r) - 1;
      }
      out[i] = block;
    }
    return out;
  }

  private static double sigma(SplittableRandom r, double lo, double hi) {
    return Range.of(lo, hi).draw(r);
  }

  /** Time zones weighted roughly by where API users are. */
  private static final double[] TZ_HOURS = {-8, -5, -3, 0, 1, 2, 3, 5.5, 7, 8, 9};

  private static final Weights TZ_WEIGHTS =
      new Weights(0.12, 0.2, 0.05, 0.1, 0.15, 0.05, 0.04, 0.08, 0.03, 0.12, 0.06);

  private static long tz(SplittableRandom r) {
    return (long) (TZ_HOURS[TZ_WEIGHTS.pick(r)] * HOUR);
  }

  /** A campaign switches a share of its traffic to the new model some delay after its release. */
  private void adoptNewModel(Actor a, SplittableRandom r, double delayMs, double share) {
    a.adoptNewModelAt = cfg.modelRelease() + (long) delayMs;
    a.newModelShare = share;
  }

  /**
   * Benign adoption of a new model is gradual: an exponential delay with a 12-day mean (so a few
   * percent adopt on day one), then a partial share of traffic.
   */
  private void benignAdoption(Actor a, SplittableRandom r) {
    a.smallModelShare = Range.of(0, 0.4).draw(r);
    adoptNewModel(a, r, Timing.exp(r, 12) * DAY, Range.of(0.3, 0.9).draw(r));
  }

  static long ms(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }
}
