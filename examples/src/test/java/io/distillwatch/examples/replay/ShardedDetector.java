package io.distillwatch.examples.replay;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.detect.AccountProfile;
import io.distillwatch.core.detect.AccountStage;
import io.distillwatch.core.detect.ClusterStage;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.detect.PromptStage;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkStage;
import io.distillwatch.core.link.StageMessage;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Flink job's stage layout in one thread, without Flink: {@code p} prompt-stage instances with
 * exchanges routed by {@link PromptStage#route}, then {@code p} account-stage instances with
 * accounts routed as Flink routes {@code keyBy(account_id)} (murmur hash of the key's {@code
 * hashCode()} into 128 key groups, key group {@code g} to instance {@code g * p / 128}), then one
 * link stage and one cluster stage, as the job's single-slot cluster stage and (for the outcome,
 * not the placement) its keyed link stage. Each instance is told it sees one in {@code p} accounts
 * ({@code AccountStage#shards}), as {@code AccountDetectOperator} does. Messages reach the cluster
 * stage in trace order, so a run is deterministic where the job's is not.
 *
 * <p>With {@code block > 1} the hop from the prompt stage to the account stage passes exchanges as
 * Flink's network buffers did before stop 30, when the job sent whole exchanges through the prompt
 * stage: each channel (a prompt instance to an account instance) holds its exchanges until it has
 * {@code block} of them, and hands them over in one go, so an account instance reads its channels'
 * blocks in the order they filled, not the trace's. An account whose exchanges went through two
 * prompt instances (they are routed by prompt) then sees them out of order by up to a block's span
 * of event time, as that job did, where a 32 KiB buffer holds a few hundred exchanges. This model
 * reproduced each of that job's outcomes at parallelism 2 on the built-in scenario (low-and-slow
 * first alerted at +32.6 h, +50.0 h or +931.5 h, a casual user flagged or not), so the job now
 * sends each exchange to its account directly and only a probe to the prompt stage, and pairs the
 * verdict with the exchange in the exchanges' order ({@code PairMarks}): without {@code block} this
 * class is that job. The block model stays for an input whose order is lost before the job, such as
 * an account's exchanges spread over several Kafka partitions. Call {@link #flush} after the last
 * exchange.
 *
 * <p>For diagnosis, {@link Shared} names the population statistics account-stage instances still
 * keep each for its share of accounts; all instances may share one (the first instance's object,
 * set by reflection), so each one's part in the gap between the core and the job can be measured on
 * its own. (Before the calibration moved to the cluster stage and novelty to the prompt stage, this
 * is how their parts were measured.) With the system property {@code unscaled}, instances count
 * template users without scaling by their share, as before (and their live-account counts are not
 * scaled either). A diagnostic harness, not an API.
 */
final class ShardedDetector {
  /** Population statistics of the account stage that the instances can be made to share. */
  enum Shared {
    TEMPLATES("templates"),
    MODELS("models");

    final String[] fields;

    Shared(String... fields) {
      this.fields = fields;
    }
  }

  /** Flink's default max parallelism for small jobs: the key groups accounts are hashed into. */
  static final int KEY_GROUPS = 128;

  private final DetectorConfig config;
  private final int parallelism;
  private final PromptStage[] prompts;
  private final Shard[] shards;
  private final LinkStage links;
  private final ClusterStage clusters;
  private final List<StageMessage> messages = new ArrayList<>();
  private final List<StageMessage> hop = new ArrayList<>();
  private final List<Alert> alerts = new ArrayList<>();

  /** Exchanges per channel block between the prompt and account stages; 0 or 1 passes each. */
  private final int block;

  /** By prompt instance * parallelism + account instance: the exchanges of the open block. */
  private final List<List<Blocked>> channels = new ArrayList<>();

  private record Blocked(Exchange exchange, boolean novel) {}

  ShardedDetector(DetectorConfig config, int parallelism, Set<Shared> shared) {
    this(config, parallelism, shared, 0);
  }

  ShardedDetector(DetectorConfig config, int parallelism, Set<Shared> shared, int block) {
    this.config = config;
    this.parallelism = parallelism;
    this.block = block;
    for (int i = 0; i < parallelism * parallelism; i++) {
      channels.add(new ArrayList<>());
    }
    this.prompts = new PromptStage[parallelism];
    this.shards = new Shard[parallelism];
    for (int i = 0; i < parallelism; i++) {
      prompts[i] = new PromptStage(config);
      shards[i] = new Shard(new AccountStage(config));
    }
    for (Shared s : shared) {
      for (String name : s.fields) {
        share(name);
      }
    }
    if (!Boolean.getBoolean("unscaled") && !shared.contains(Shared.TEMPLATES)) {
      for (Shard s : shards) {
        s.stage.shards(parallelism); // as AccountDetectOperator does
      }
    }
    this.links = config.newLinkStage();
    this.clusters = new ClusterStage(config);
  }

  ShardedDetector(DetectorConfig config, int parallelism) {
    this(config, parallelism, EnumSet.noneOf(Shared.class));
  }

  private void share(String name) {
    try {
      Field f = AccountStage.class.getDeclaredField(name);
      f.setAccessible(true);
      Object first = f.get(shards[0].stage);
      for (int i = 1; i < shards.length; i++) {
        f.set(shards[i].stage, first);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot share " + name, e);
    }
  }

  /** The instance Flink sends a key to at this parallelism (KeyGroupRangeAssignment). */
  static int instanceOf(Object key, int parallelism) {
    int keyGroup = murmurHash(key.hashCode()) % KEY_GROUPS;
    return keyGroup * parallelism / KEY_GROUPS;
  }

  /** Flink's {@code MathUtils.murmurHash(int)}. */
  static int murmurHash(int code) {
    code *= 0xcc9e2d51;
    code = Integer.rotateLeft(code, 15);
    code *= 0x1b873593;
    code = Integer.rotateLeft(code, 13);
    code = code * 5 + 0xe6546b64;
    code ^= 4;
    code ^= code >>> 16;
    code *= 0x85ebca6b;
    code ^= code >>> 13;
    code *= 0xc2b2ae35;
    code ^= code >>> 16;
    if (code >= 0) {
      return code;
    } else if (code != Integer.MIN_VALUE) {
      return -code;
    } else {
      return 0;
    }
  }

  /** Observes the next exchange of the trace; the alerts it (or a block it closes) raised. */
  List<Alert> observe(Exchange e) {
    int prompt = instanceOf(PromptStage.route(e), parallelism);
    boolean novel = prompts[prompt].novel(e);
    int account = instanceOf(e.accountId(), parallelism);
    if (block <= 1) {
      return account(account, e, novel);
    }
    List<Blocked> channel = channels.get(prompt * parallelism + account);
    channel.add(new Blocked(e, novel));
    return channel.size() < block ? List.of() : drain(account, channel);
  }

  /** Hands over every open block, as the end of the input does; the alerts they raised. */
  List<Alert> flush() {
    List<Alert> out = new ArrayList<>();
    for (int c = 0; c < channels.size(); c++) {
      out.addAll(drain(c % parallelism, channels.get(c)));
    }
    return out;
  }

  private List<Alert> drain(int account, List<Blocked> channel) {
    List<Alert> out = new ArrayList<>();
    for (Blocked b : channel) {
      out.addAll(account(account, b.exchange(), b.novel()));
    }
    channel.clear();
    return out;
  }

  private List<Alert> account(int account, Exchange e, boolean novel) {
    Shard s = shards[account];
    List<Alert> out = List.of();
    messages.clear();
    s.observe(e, novel, messages);
    if (!messages.isEmpty()) {
      alerts.clear();
      for (StageMessage m : messages) {
        hop.clear();
        links.process(m, hop);
        for (StageMessage h : hop) {
          clusters.process(h, alerts);
        }
      }
      if (!alerts.isEmpty()) {
        out = new ArrayList<>(alerts);
      }
    }
    return out;
  }

  /** One account-stage instance with its profiles, expired on its own stream time. */
  private final class Shard {
    final AccountStage stage;
    final Map<String, AccountProfile> profiles = new LinkedHashMap<>(1024, 0.75f, true);
    long streamTime = Long.MIN_VALUE;
    long seen;

    Shard(AccountStage stage) {
      this.stage = stage;
    }

    void observe(Exchange e, boolean novel, List<StageMessage> out) {
      streamTime = Math.max(streamTime, e.timestamp());
      AccountProfile before = profiles.get(e.accountId());
      AccountProfile after = stage.observe(before, e, novel, out);
      if (after != before) {
        profiles.put(e.accountId(), after);
      }
      if ((++seen & 1023) == 0) {
        long horizon = streamTime - config.idleEvictionMillis();
        Iterator<AccountProfile> it = profiles.values().iterator();
        while (it.hasNext()) {
          if (it.next().lastSeen() >= horizon) {
            break;
          }
          it.remove();
        }
      }
    }
  }
}
