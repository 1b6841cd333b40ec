/**
 * Event-time windows small enough to live inside a per-account profile.
 *
 * <p>{@link io.distillwatch.core.window.SlidingWindow} keeps counts (and optionally sums) in a ring
 * of fixed-width buckets: {@code 60 x 1 min}, {@code 24 x 1 h} or {@code 14 x 1 day}. Event time
 * advances with the largest timestamp seen (the head); the window covers the {@code buckets}
 * buckets ending with the head's bucket. An event older than the head lands in its own bucket only
 * if it is within the allowed lateness and still inside the window; every other event is counted as
 * late and never added to a wrong bucket.
 *
 * <p>Design notes. The ring is an {@code int[]} (saturating counts) so a 60-bucket window
 * serialises to a few hundred bytes at most; the hot path for an event in the head's bucket is a
 * subtraction, two compares and an array increment (no division, no allocation); advancing the head
 * clears at most {@code buckets} slots, so the cost per event is amortised O(1). The serial form is
 * versioned (see {@link io.distillwatch.core.window.SlidingWindow#writeTo}).
 */
package io.distillwatch.core.window;
