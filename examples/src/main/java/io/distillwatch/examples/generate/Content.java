package io.distillwatch.examples.generate;

import io.distillwatch.core.io.Category;
import java.util.SplittableRandom;

/**
 * What an account asks for: the category mix, how often it requests step-by-step reasoning and tool
 * use, and typical token sizes. Each account holds one drawn from its archetype's ranges (and
 * campaign accounts a second, casual-looking one for the traffic they mix in).
 *
 * @param categories weights over {@link Category} ordinals
 * @param reasoning probability that reasoning_requested is set
 * @param toolUse probability that the exchange makes tool calls
 * @param toolMean mean tool calls when it does
 * @param inMedian median input tokens
 * @param outMedian median output tokens (before the reasoning multiplier)
 */
record Content(
    Weights categories,
    double reasoning,
    double toolUse,
    double toolMean,
    double inMedian,
    double outMedian) {

  /**
   * Weights in {@link Category} order: coding, agentic, reasoning, chat, creative, analysis, other.
   */
  static Weights mix(
      double coding,
      double agentic,
      double reasoning,
      double chat,
      double creative,
      double analysis,
      double other) {
    return new Weights(coding, agentic, reasoning, chat, creative, analysis, other);
  }

  /** The casual consumer content every population shares; campaigns use it as camouflage. */
  static Content casual(SplittableRandom r) {
    return new Content(
        mix(12, 2, 5, 40, 15, 18, 8).jitter(r, 0.5),
        Range.of(0.03, 0.12).draw(r),
        Range.of(0.0, 0.06).draw(r),
        1.3,
        Range.of(150, 600).drawLog(r),
        Range.of(250, 700).drawLog(r));
  }

  Category category(SplittableRandom r) {
    return Category.ofOrdinal(categories.pick(r));
  }
}
