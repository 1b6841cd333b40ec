package io.distillwatch.core.detect;

import io.distillwatch.core.io.Exchange;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The detector's first stage: tells whether an exchange's prompt is new to the population (see
 * {@link NoveltyFilter}), before the {@link AccountStage} folds the exchange into its account's
 * profile. Novelty is a property of the prompt, not of the account, so the Flink job keys this
 * stage by {@link #route}: every sender of a prompt meets the same filter, whatever the
 * parallelism. Inside the account stage, each of {@code p} instances remembered the prompts of its
 * own accounts only, so a public benchmark that twenty researchers run looked new to every instance
 * that had not yet seen one of them run it, and those researchers looked like harvesters.
 *
 * <p>Not thread-safe. No allocation per exchange.
 */
public final class PromptStage {
  /** Version of the {@link #writeTo} form. */
  public static final int FORM_VERSION = 1;

  final NoveltyFilter novelty;

  /** A stage that has seen no prompt, sized by {@code config.noveltyBits()}. */
  public PromptStage(DetectorConfig config) {
    this.novelty = new NoveltyFilter(config.noveltyBits());
  }

  /**
   * Records the exchange's prompt and returns whether it was new to the population. An exchange
   * without a prompt hash counts as new and is not recorded.
   *
   * <p>Why new: the content signals count new prompts only, so "not new" left a gateway that sends
   * no {@code prompt_hash} blind (no account could show content evidence, and account alerts need
   * it: zero alerts on every default trace). Most prompts are new to the world, a campaign's almost
   * all; what is lost is telling re-runs (public benchmarks, test suites) from harvesting, which
   * the README's table of optional fields measures. Not recorded: such an exchange has no prompt to
   * meet again, and recording a stand-in would only push real prompts out of the filter.
   */
  public boolean novel(Exchange e) {
    return novel(promptKey(e));
  }

  /**
   * As {@link #novel(Exchange)}, for an exchange known by its {@link #promptKey}: an engine that
   * moves the exchange without decoding it (the Flink job's prompt stage), or that hashes each key
   * of an exchange once (the in-process detector), computes the key once.
   */
  public boolean novel(long promptKey) {
    return promptKey == 0 || novelty.firstSeen(promptKey);
  }

  /** The key this stage remembers a prompt by: a hash of the prompt hash, 0 without one. */
  public static long promptKey(Exchange e) {
    return AccountProfile.hash(e.promptHash());
  }

  /**
   * The key to route an exchange by: its prompt's hash, or for an exchange without one (new without
   * a lookup, so any instance will do) its account's, so such exchanges spread over instances too.
   */
  public static long route(Exchange e) {
    return route(e, promptKey(e));
  }

  /** {@link #route(Exchange)} for an exchange whose {@link #promptKey} is known. */
  public static long route(Exchange e, long promptKey) {
    return promptKey != 0 ? promptKey : AccountProfile.hash(e.accountId());
  }

  /** Writes byte form version, then the novelty filter's form. */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(FORM_VERSION);
    novelty.writeTo(out);
  }

  /**
   * Reads the form of {@link #writeTo} into a stage running with {@code config}, whose {@code
   * noveltyBits} must equal the writer's.
   */
  public static PromptStage readFrom(DataInput in, DetectorConfig config) throws IOException {
    int version = in.readUnsignedByte();
    if (version != FORM_VERSION) {
      throw new SnapshotFormatException(
          "prompt stage form version " + version + " unknown; this build reads " + FORM_VERSION);
    }
    PromptStage s = new PromptStage(config);
    s.novelty.readFrom(in);
    return s;
  }
}
