package io.distillwatch.flink.types;

/**
 * The prompt stage's verdict on one exchange, on its way to the exchange's account-stage subtask
 * (by {@code accountKey}, see {@link SequencedExchange}): whether its prompt was new to the
 * population. {@code sequence} names the exchange.
 */
public record NoveltyMark(int accountKey, long sequence, boolean novelPrompt) {}
