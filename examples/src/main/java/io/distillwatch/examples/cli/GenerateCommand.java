package io.distillwatch.examples.cli;

import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.generate.LabelsJson;
import io.distillwatch.examples.generate.OptionalField;
import io.distillwatch.examples.generate.TraceGenerator;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distillwatch generate}: writes a seeded synthetic trace (JSON lines) and its labels, then
 * prints one summary line.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Writes a seeded synthetic trace with labelled distillation campaigns and a benign"
            + " population with hard negatives.")
public final class GenerateCommand implements Callable<Integer> {

  @Mixin TraceOptions trace = new TraceOptions();

  @Option(names = "--seed", description = "Random seed (default: 42).")
  long seed = TraceGenerator.DEFAULT_SEED;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Trace file to write (JSON lines).")
  Path output;

  @Option(names = "--labels", required = true, description = "Labels file to write (JSON).")
  Path labels;

  @Option(
      names = "--start",
      converter = StartOption.Converter.class,
      description =
          "Trace start: an ISO instant, or default (the generator's, a week before the largest"
              + " campaign; ${DEFAULT-VALUE}).")
  Instant start = TraceGenerator.DEFAULT_START;

  @Option(names = "--end", description = "Trace end, exclusive (default: ${DEFAULT-VALUE}).")
  Instant end = TraceGenerator.DEFAULT_END;

  @Option(
      names = "--disorder",
      description = "Share of records delivered late, up to 30 s (default: 0.02).")
  double disorder = TraceGenerator.DEFAULT_DISORDER_FRACTION;

  @Option(
      names = "--without",
      split = ",",
      paramLabel = "<field>",
      description =
          "Optional fields to leave out of every record, as a gateway that does not report them"
              + " would (comma-separated): org_id, ip, asn, user_agent, payment_fingerprint,"
              + " model, template_hash, prompt_hash (default: none).")
  List<String> without = new ArrayList<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    TraceGenerator generator;
    try {
      generator =
          trace
              .builder()
              .seed(seed)
              .start(start)
              .end(end)
              .disorderFraction(disorder)
              .maxDelay(Duration.ofSeconds(30))
              .withoutFields(OptionalField.parse(without))
              .build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    long t0 = System.nanoTime();
    long records;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(output), 1 << 16)) {
      records = generator.writeJsonLines(out);
    }
    Labels l = generator.labels();
    LabelsJson.write(l, labels);
    double seconds = (System.nanoTime() - t0) / 1e9;
    StringJoiner campaigns = new StringJoiner(", ");
    for (Labels.Campaign c : l.campaigns()) {
      campaigns.add(c.name() + " " + c.exchanges());
    }
    spec.commandLine()
        .getOut()
        .println(
            String.format(
                Locale.ROOT,
                "generate: %d records, %d accounts in %.1f s (%.0f records/s); campaigns: %s",
                records,
                l.accountCount(),
                seconds,
                records / Math.max(seconds, 1e-9),
                campaigns.length() == 0 ? "none" : campaigns));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
