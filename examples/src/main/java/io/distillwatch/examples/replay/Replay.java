package io.distillwatch.examples.replay;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.JsonLinesReader;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.core.io.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs the core detector over a stream of exchanges: a JSON-lines input (parsed and validated,
 * rejected records handed to a sink with their reason) or an in-memory trace. Every accepted
 * exchange and every alert is also shown to an optional {@link Observer}, which is how the
 * evaluator scores a labelled trace without a second pass.
 */
public final class Replay {
  /** Sees each accepted exchange before the detector and each alert after it. */
  public interface Observer {
    void exchange(Exchange e);

    void alert(Alert a);
  }

  /**
   * Counts of one replay; {@code records = accepted + rejected} always.
   *
   * @param withoutPromptHash accepted exchanges without a {@code prompt_hash}
   * @param withoutTemplateHash accepted exchanges without a {@code template_hash}
   * @param seconds wall-clock time of the replay
   */
  public record Summary(
      long records,
      long accepted,
      long rejected,
      long alerts,
      long accountAlerts,
      long clusterAlerts,
      long withoutPromptHash,
      long withoutTemplateHash,
      double seconds) {

    /**
     * A plain sentence for each optional field that most accepted exchanges lacked and without
     * which whole signals are blind; empty when none did. Both fields are optional in the input
     * contract, so their absence is no rejection, but a trace without them is judged on a fraction
     * of the evidence, and a reader should not have to infer that from a quiet alert file.
     */
    public List<String> fieldWarnings() {
      return Replay.fieldWarnings(accepted, withoutPromptHash, withoutTemplateHash);
    }

    /** The closing line shared by {@code replay} and {@code run}. */
    public String line() {
      return "records="
          + records
          + " accepted="
          + accepted
          + " rejected="
          + rejected
          + " alerts="
          + alerts;
    }
  }

  /**
   * {@link Summary#fieldWarnings()} from the counts alone, for a run that counts them elsewhere
   * (the Flink job's accumulators).
   */
  public static List<String> fieldWarnings(
      long accepted, long withoutPromptHash, long withoutTemplateHash) {
    List<String> w = new ArrayList<>(2);
    if (2 * withoutPromptHash > accepted) {
      w.add(
          String.format(
              Locale.ROOT,
              "note: %d of %d exchanges have no prompt_hash. Each counts as a prompt new to"
                  + " the whole population, so re-runs of public benchmarks or test suites cannot"
                  + " be told from harvesting (see the README's table of optional fields).",
              withoutPromptHash,
              accepted));
    }
    if (2 * withoutTemplateHash > accepted) {
      w.add(
          String.format(
              Locale.ROOT,
              "note: %d of %d exchanges have no template_hash. Template structure and"
                  + " template-set links are off for them.",
              withoutTemplateHash,
              accepted));
    }
    return w;
  }

  private static final Observer NO_OBSERVER =
      new Observer() {
        @Override
        public void exchange(Exchange e) {}

        @Override
        public void alert(Alert a) {}
      };

  private final ExtractionDetector detector;
  private final Consumer<Alert> alerts;
  private final Consumer<Rejection> rejections;
  private final Observer observer;
  private final Consumer<Long> progress;
  private long records;
  private long accepted;
  private long rejected;
  private long alertCount;
  private long accountAlerts;
  private long clusterAlerts;
  private long withoutPromptHash;
  private long withoutTemplateHash;

  /**
   * @param detector the detector to feed
   * @param alerts receives every alert
   * @param rejections receives every rejected record
   * @param observer sees exchanges and alerts, may be null
   * @param progress called with the records read every 65,536 records, may be null
   */
  public Replay(
      ExtractionDetector detector,
      Consumer<Alert> alerts,
      Consumer<Rejection> rejections,
      Observer observer,
      Consumer<Long> progress) {
    this.detector = Objects.requireNonNull(detector, "detector");
    this.alerts = Objects.requireNonNull(alerts, "alerts");
    this.rejections = Objects.requireNonNull(rejections, "rejections");
    this.observer = observer == null ? NO_OBSERVER : observer;
    this.progress = progress;
  }

  /** Replays a JSON-lines stream; the parser validates every line. */
  public Summary run(InputStream in, ExchangeParser parser) throws IOException {
    long start = System.nanoTime();
    try (JsonLinesReader reader = new JsonLinesReader(in, parser)) {
      ParseResult r;
      while ((r = reader.next()) != null) {
        records++;
        if (r.isAccepted()) {
          accepted++;
          process(r.exchange());
        } else {
          rejected++;
          rejections.accept(r.rejection());
        }
        tick();
      }
    }
    return summary(start);
  }

  /** Replays exchanges that are already valid (a generated trace). */
  public Summary run(Iterable<Exchange> exchanges) {
    long start = System.nanoTime();
    for (Exchange e : exchanges) {
      records++;
      accepted++;
      process(e);
      tick();
    }
    return summary(start);
  }

  private void process(Exchange e) {
    observer.exchange(e);
    if (e.promptHash() == null) {
      withoutPromptHash++;
    }
    if (e.templateHash() == null) {
      withoutTemplateHash++;
    }
    List<Alert> out = detector.observe(e);
    for (int i = 0; i < out.size(); i++) {
      Alert a = out.get(i);
      alertCount++;
      switch (a.kind()) {
        case ACCOUNT -> accountAlerts++;
        case CLUSTER -> clusterAlerts++;
      }
      alerts.accept(a);
      observer.alert(a);
    }
  }

  private void tick() {
    if (progress != null && (records & 0xFFFF) == 0) {
      progress.accept(records);
    }
  }

  private Summary summary(long startNanos) {
    return new Summary(
        records,
        accepted,
        rejected,
        alertCount,
        accountAlerts,
        clusterAlerts,
        withoutPromptHash,
        withoutTemplateHash,
        (System.nanoTime() - startNanos) / 1e9);
  }
}
