/**
 * The input contract: {@link io.distillwatch.core.io.Exchange} (one API exchange as metadata), its
 * JSON-lines writer {@link io.distillwatch.core.io.ExchangeJson}, and the validating reader side.
 *
 * <p>Reading: {@link io.distillwatch.core.io.JsonLinesReader} splits a byte stream into lines
 * without decoding them and hands each to an {@link io.distillwatch.core.io.ExchangeParser}, which
 * returns a {@link io.distillwatch.core.io.ParseResult}: an accepted exchange, or a {@link
 * io.distillwatch.core.io.Rejection} with a {@link io.distillwatch.core.io.RejectReason} and a
 * sentence naming the field. Nothing about bad input is thrown; every non-blank line is counted
 * once, so records = accepted + rejected can be shown to operators. The framing itself is {@link
 * io.distillwatch.core.io.LineFramer}, which other readers of JSON lines (the Flink job's file
 * format) use too, with {@link io.distillwatch.core.io.ExchangeParser#rejectTooLong} for the lines
 * it could not hold whole.
 *
 * <p>Design notes. Bad records are data, not errors: a gateway will send truncated lines, hostile
 * nesting, wrong types and clock-skewed timestamps, and a detector that crashes or silently drops
 * them is easy to blind. Reasons are coarse (a small enum, stable wire names) so they can be
 * counted per stream; messages are for people. The parser is strict JSON (RFC 8259 plus strict
 * UTF-8) because lenient parsing is where two readers of the same line start to disagree.
 */
package io.distillwatch.core.io;
