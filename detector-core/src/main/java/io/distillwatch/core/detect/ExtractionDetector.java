package io.distillwatch.core.detect;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkStage;
import io.distillwatch.core.link.StageMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Detects model-extraction campaigns in a stream of API exchanges, from metadata alone, and says
 * why. Feed every exchange to {@link #observe}; it returns the alerts that exchange triggered
 * (usually none). An account or cluster is alerted once, and again only when it escalates.
 *
 * <p>How it decides, in short: each account keeps a bounded profile; at evaluation points (a
 * geometric schedule of its exchange count, and every few hours of event time) ten named {@link
 * Signal}s are computed and each is turned into a tail probability against the population's learned
 * distribution of that signal. The signals form two groups, content (what the account asks for) and
 * behaviour (how it sends it); each group's probabilities are combined with Brown's method, and the
 * account is alerted only when both groups are surprising: the combined tail probability is {@code
 * max(p_content, p_behaviour)^2}. The threshold on its {@code -log10} is set for the target benign
 * false-positive rate (default 0.1% of accounts) on the population itself (see {@code
 * ThresholdCalibrator}), never below {@code -log10} of that rate. Accounts sharing rare keys are
 * linked into clusters ({@link HydraLinker}); a cluster is alerted on the same rule, with its
 * members' own evidence and the rarity of its coordination as the two groups, and a fresh account
 * that links to an alerted cluster is flagged on that exchange.
 *
 * <p>Structure: the detector is four stages run in one thread, the same four the Flink job runs as
 * keyed stages: a {@link PromptStage} that tells whether each prompt is new to the population, an
 * {@link AccountStage} over profiles kept here (in access order, evicted when idle or over the cap)
 * that sends raw signal values at evaluation points, a {@link LinkStage} over link keys, and a
 * {@link ClusterStage} that calibrates the signals against the whole population, merges links into
 * clusters and lets each alert out once. The stages talk only through exchanges and {@link
 * StageMessage}s, downstream, so the Flink job at parallelism 1 emits exactly these alerts, and at
 * higher parallelism every statistic but template rarity (estimated from each account-stage
 * instance's share) is still learned from the whole population.
 *
 * <p>Not thread-safe: one detector per thread. No static state.
 */
public final class ExtractionDetector {
  // State is package-private for DetectorSnapshot, which writes and reads all of it.
  final DetectorConfig config;
  final PromptStage prompts;
  final ProfileMap profiles;
  final AccountStage accounts;
  final LinkStage links;
  final ClusterStage clusters;
  private final List<StageMessage> messages = new ArrayList<>();
  private final List<StageMessage> hop = new ArrayList<>();
  private final List<Alert> alerts = new ArrayList<>();

  long evictedIdle;
  long evictedCap;

  ExtractionDetector(DetectorConfig config) {
    this(
        config,
        new PromptStage(config),
        new AccountStage(config),
        config.newLinkStage(),
        new ClusterStage(config));
  }

  ExtractionDetector(
      DetectorConfig config,
      PromptStage prompts,
      AccountStage accounts,
      LinkStage links,
      ClusterStage clusters) {
    this.config = config;
    this.prompts = prompts;
    this.profiles = new ProfileMap(1024);
    this.accounts = accounts;
    this.links = links;
    this.clusters = clusters;
  }

  /**
   * Writes every piece of learned state, so that {@link #restore} gives a detector that, fed the
   * rest of the stream, emits exactly the alerts this one would. The configuration is not written.
   * Format and guarantees: see {@code DetectorSnapshot}; the layout is versioned and ends with a
   * CRC32C. The stream is flushed, not closed.
   */
  public void snapshot(OutputStream out) throws IOException {
    DetectorSnapshot.write(this, out);
  }

  /**
   * Reads a detector written by {@link #snapshot}, running with {@code config}. The configuration
   * is the caller's: thresholds (target false-positive rate: the alert threshold is recomputed for
   * a new rate at once), allowlists (re-applied to every restored profile), eviction, caps and the
   * linker's rarity caps and {@code maxLinkKeys} may all differ from the original's and apply from
   * here on (a lower {@code maxAccounts} evicts the least recently active profiles at once). Only
   * {@code noveltyBits}, which sizes learned state, must be equal; otherwise this fails, saying so.
   *
   * <p>Reads exactly the snapshot's bytes and nothing beyond (pass a buffered stream). Corrupt or
   * truncated input throws a {@link SnapshotFormatException} naming what is wrong; no detector is
   * returned unless the whole snapshot was read and its checksum matched.
   */
  public static ExtractionDetector restore(InputStream in, DetectorConfig config)
      throws IOException {
    return DetectorSnapshot.read(in, config);
  }

  /** A builder with documented defaults; see {@link DetectorConfig.Builder}. */
  public static DetectorConfig.Builder builder() {
    return DetectorConfig.builder();
  }

  /**
   * Folds one exchange into the detector and returns the alerts it triggers, usually an empty list.
   * Exchanges should arrive roughly in event-time order (out-of-order within the windows' lateness
   * is fine).
   */
  public List<Alert> observe(Exchange e) {
    // Every key the exchange uses is hashed once, here, for all stages.
    KeyHashes keys = accounts.hash(e);
    boolean novel = prompts.novel(keys.prompt);
    AccountProfile p = profiles.get(keys.account, keys.accountCheck);
    messages.clear();
    AccountProfile q = accounts.observeHashed(p, e, novel, messages);
    if (q != p) {
      if (p != null) {
        evictedIdle++; // idle past the eviction time, not yet swept: it starts afresh
      }
      profiles.put(q);
      if (profiles.size() > config.maxAccounts()) {
        accounts.live.forget(profiles.eldest().lastSeen);
        profiles.removeEldest();
        evictedCap++;
      }
    }
    List<Alert> out = Collections.emptyList();
    if (!messages.isEmpty()) {
      alerts.clear();
      // Indexed loops: the lists' iterators were allocated per exchange (JFR allocation samples).
      for (int i = 0; i < messages.size(); i++) {
        hop.clear();
        links.process(messages.get(i), hop);
        for (int j = 0; j < hop.size(); j++) {
          clusters.process(hop.get(j), alerts);
        }
      }
      if (!alerts.isEmpty()) {
        out = new ArrayList<>(alerts);
      }
    }
    if ((accounts.exchanges() & 1023) == 0) {
      evictIdle();
    }
    return out;
  }

  /** Profiles are in access order, so the idle ones are at the head: O(evicted). */
  private void evictIdle() {
    long horizon = accounts.streamTime - config.idleEvictionMillis();
    for (AccountProfile p = profiles.eldest();
        p != null && p.lastSeen < horizon;
        p = profiles.eldest()) {
      profiles.removeEldest();
      evictedIdle++;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // read-only state for tools, metrics and tests

  /**
   * Explains an account's current standing: every active signal with its value and population tail
   * probability, each group's combined probability, its cluster, and whether it is flagged.
   * Recomputes the signals as of the account's last exchange; does not change any state the
   * detector learns from (it does count as the account's activity for the idle-eviction order).
   * Returns null for an unknown (or evicted) account.
   */
  public AccountExplanation explain(String accountId) {
    // counts as activity for idle eviction
    AccountProfile p =
        profiles.get(AccountProfile.hash(accountId), AccountProfile.check(accountId));
    if (p == null) {
      return null;
    }
    return clusters.explain(accountId, p.exchanges, accounts.signals(p));
  }

  /** Exchanges observed. */
  public long exchanges() {
    return accounts.exchanges();
  }

  /** Accounts with a live profile. */
  public int liveAccounts() {
    return profiles.size();
  }

  /** Clusters of two or more accounts. */
  public long liveClusters() {
    return clusters.liveClusters();
  }

  /** Profiles evicted after the idle time. */
  public long evictedIdle() {
    return evictedIdle;
  }

  /** Profiles evicted because of the hard cap ({@code maxAccounts}). */
  public long evictedByCap() {
    return evictedCap;
  }

  /** Account alerts emitted (on an account's own evidence, or for joining a flagged cluster). */
  public long accountAlerts() {
    return clusters.accountAlerts();
  }

  /** Cluster alerts emitted. */
  public long clusterAlerts() {
    return clusters.clusterAlerts();
  }

  /** Link keys dropped because a key table was full. */
  public long evictedKeys() {
    return links.evictedKeys() + accounts.templates.evictedKeys();
  }

  /** The configuration this detector runs with. */
  public DetectorConfig config() {
    return config;
  }
}
