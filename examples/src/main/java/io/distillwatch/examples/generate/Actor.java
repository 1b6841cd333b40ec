package io.distillwatch.examples.generate;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.examples.generate.Networks.Endpoint;
import java.util.SplittableRandom;

/**
 * One account as an event process: its {@link Timing} says when, its drawn parameters say what.
 * Every field of every exchange comes from the account's own {@link SplittableRandom}, seeded from
 * (trace seed, group, account index), so an account's exchanges do not depend on which other
 * accounts are generated alongside it.
 *
 * <p>Fields are set once by the group's factory before the first event and not changed after.
 */
final class Actor {
  static final String MODEL_CURRENT = "frontier-1";
  static final String MODEL_SMALL = "frontier-1-mini";
  static final String MODEL_NEW = "frontier-2";

  /** Where an account's requests come from. */
  interface IpSource {
    Endpoint pick(SplittableRandom r, int run);
  }

  /** A few addresses, the first the usual one (home, office, NAT). */
  static IpSource sticky(Endpoint[] endpoints, Weights weights) {
    return (r, run) -> endpoints[weights.pick(r)];
  }

  /** Per request, an address drawn from a pool shared by many accounts (a proxy network). */
  static IpSource pool(Networks.Net[] nets, long poolSeed, int poolSize) {
    return (r, run) -> {
      long key = Ids.hash(poolSeed, r.nextInt(poolSize));
      return nets[(int) Long.remainderUnsigned(key, nets.length)].endpoint(Ids.mix(key));
    };
  }

  /** A fresh address per run (ephemeral CI runners), constant within a run. */
  static IpSource perRun(Networks.Net[] nets, long seed) {
    return (r, run) -> {
      long key = Ids.hash(seed, run);
      return nets[(int) Long.remainderUnsigned(key, nets.length)].endpoint(Ids.mix(key));
    };
  }

  final Group group;
  final int index;

  /** Global position of the account, the merge's tie-break for equal timestamps. */
  int order;

  final String accountId;
  final SplittableRandom rng;
  Timing timing;
  long next;

  String orgId;
  String payment;
  String[] userAgents;
  Weights userAgentWeights;
  IpSource ips;

  Content content;
  Content camouflage;
  double camouflageShare;

  /** The account's templates (from its group's pool); null for free-form prompts. */
  long[] templates;

  /**
   * The templates that replace {@link #templates} once the account adopts the new model (at {@link
   * #adoptNewModelAt}); null to keep them. An IDE release that ships the new model with a new
   * system prompt: its first users share that prompt while it is still rare.
   */
  long[] templatesOnNewModel;

  /** Probability that a non-camouflage exchange uses one of {@link #templates}. */
  double templateUse = 1;

  /** Share of free-form prompts written from a very common public template. */
  double commonTemplateShare;

  /** Fixed prompt hashes replayed by item index (test suites, benchmarks); null if none. */
  long[] items;

  long adoptNewModelAt = Long.MAX_VALUE;
  double newModelShare;
  double smallModelShare;
  boolean modelPerRun;

  /**
   * Most exchanges the account sends per UTC day: operators who know the per-account rate limit
   * pace under it, dropping the rest of a busy day. Unlimited by default.
   */
  int dailyCap = Integer.MAX_VALUE;

  private long capDay = Long.MIN_VALUE;
  private int capCount;

  double rateLimitedProb = 0.003;
  double serverErrorProb = 0.002;
  double tokenScale = 1;

  Actor(Group group, int index, String accountId, SplittableRandom rng) {
    this.group = group;
    this.index = index;
    this.accountId = accountId;
    this.rng = rng;
  }

  void start() {
    next = timing.first(rng);
  }

  /** The exchange at {@link #next}; advances {@link #next} to the following event. */
  Exchange emit() {
    SplittableRandom r = rng;
    long t = next;
    boolean camo = camouflage != null && r.nextDouble() < camouflageShare;
    Content c = camo ? camouflage : content;
    Category category = c.category(r);
    boolean reasoning = r.nextDouble() < c.reasoning();
    int tools = r.nextDouble() < c.toolUse() ? Timing.geometric(r, c.toolMean()) : 0;

    long template;
    long prompt;
    int item = timing.item();
    if (items != null && item >= 0) {
      int k = item % items.length;
      prompt = items[k];
      template = templates[k % templates.length];
    } else if (!camo && templates != null && r.nextDouble() < templateUse) {
      // Skewed towards the account's first templates: favourites get most use.
      double u = r.nextDouble();
      long[] ts =
          templatesOnNewModel != null && t >= adoptNewModelAt ? templatesOnNewModel : templates;
      template = ts[(int) (ts.length * u * u)];
      prompt = r.nextLong();
    } else {
      prompt = r.nextLong();
      template =
          r.nextDouble() < commonTemplateShare
              ? COMMON_TEMPLATES[(int) (COMMON_TEMPLATES.length * Math.pow(r.nextDouble(), 3))]
              : Ids.mix(prompt ^ 0x54454D504CL);
    }

    double in = c.inMedian() * tokenScale * Math.exp(0.6 * r.nextGaussian());
    double out = c.outMedian() * tokenScale * Math.exp(0.7 * r.nextGaussian());
    if (reasoning) {
      out *= 2.5;
    }
    in += tools * 180;
    int status = 200;
    double u = r.nextDouble();
    if (u < rateLimitedProb) {
      status = 429;
    } else if (u < rateLimitedProb + serverErrorProb) {
      status = SERVER_ERRORS[r.nextInt(SERVER_ERRORS.length)];
    }
    if (status != 200) {
      out = 0;
      tools = 0;
    }
    Endpoint ep = ips.pick(r, timing.run());
    String ua = userAgents[userAgentWeights == null ? 0 : userAgentWeights.pick(r)];

    Exchange e =
        Exchange.builder(t, accountId)
            .orgId(orgId)
            .ip(ep.ip())
            .asn(ep.asn())
            .userAgent(ua)
            .paymentFingerprint(payment)
            .model(model(r, t))
            .inputTokens(Math.max(1, Math.round(in)))
            .outputTokens(Math.round(out))
            .templateHash(Ids.hex16(template))
            .promptHash(Ids.hex16(prompt))
            .category(category)
            .reasoningRequested(reasoning)
            .toolCalls(tools)
            .status(status)
            .build();
    next = timing.next(r, t);
    if (dailyCap != Integer.MAX_VALUE) {
      pace(r, t);
    }
    return e;
  }

  private void pace(SplittableRandom r, long t) {
    long day = Math.floorDiv(t, Timing.DAY);
    if (day != capDay) {
      capDay = day;
      capCount = 0;
    }
    if (++capCount >= dailyCap) {
      while (next != Timing.END && Math.floorDiv(next, Timing.DAY) == day) {
        next = timing.next(r, next);
      }
    }
  }

  private String model(SplittableRandom r, long t) {
    if (modelPerRun) {
      long h = Ids.hash(index, timing.run());
      int choices = t >= adoptNewModelAt ? 3 : 2;
      return switch ((int) Long.remainderUnsigned(h, choices)) {
        case 0 -> MODEL_CURRENT;
        case 1 -> MODEL_SMALL;
        default -> MODEL_NEW;
      };
    }
    if (t >= adoptNewModelAt && r.nextDouble() < newModelShare) {
      return MODEL_NEW;
    }
    return r.nextDouble() < smallModelShare ? MODEL_SMALL : MODEL_CURRENT;
  }

  private static final int[] SERVER_ERRORS = {500, 502, 503, 503, 504};

  /**
   * Very common public prompt templates (a popular "summarise", "translate", "explain like I'm
   * five"...): many unrelated users share them, so a shared template alone proves nothing.
   */
  static final long[] COMMON_TEMPLATES = new long[24];

  static {
    for (int i = 0; i < COMMON_TEMPLATES.length; i++) {
      COMMON_TEMPLATES[i] = Ids.hash(0xC0FFEEL, i);
    }
  }
}
