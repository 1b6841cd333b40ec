/**
 * The HTML report of a labelled replay: {@code bin/distillwatch report --input trace.jsonl --labels
 * labels.json --output report.html}.
 *
 * <p>{@link io.distillwatch.examples.report.ReportRecorder} observes one {@link
 * io.distillwatch.examples.replay.Replay} (and scores it with {@link
 * io.distillwatch.examples.replay.Evaluation} in the same pass); its {@code finish} freezes a
 * {@link io.distillwatch.examples.report.ReportData}; {@link
 * io.distillwatch.examples.report.HtmlReport} writes that as one self-contained HTML file, tables
 * and XChart charts embedded as PNG. What each chart shows is in {@code docs/research.md}.
 */
package io.distillwatch.examples.report;
