package io.distillwatch.examples.cli;

import io.distillwatch.core.stats.RateAnomalyDetector;
import io.distillwatch.core.stats.RateAnomalyDetector.Direction;
import io.distillwatch.core.stats.RateAnomalyDetector.SeriesKind;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillwatch score-series}: scores every point of a {@code timestamp,value} CSV with a
 * {@link RateAnomalyDetector} and writes the rows back with an {@code anomaly_score} column.
 *
 * <p>The parser is deliberately small and strict: the header must be exactly {@code
 * timestamp,value}; every row has exactly two unquoted fields; timestamps are ISO-8601 with an
 * offset or {@code Z}, ISO-8601 local date-time (taken as UTC), {@code yyyy-MM-dd HH:mm:ss} (UTC)
 * or epoch millis; values are finite decimal numbers. Blank lines are allowed only at the end. The
 * first bad line fails the command with one sentence naming the line. The output is written to a
 * temporary file beside the target and moved into place only on success, so a failed run never
 * leaves a half-written file.
 */
@Command(
    name = "score-series",
    mixinStandardHelpOptions = true,
    description = {
      "Scores each point of a timestamp,value CSV series for anomalies (0 = normal, 1 = extreme),"
          + " using only earlier points.",
      "Timestamps: ISO-8601 (with offset or Z; without, UTC), 'yyyy-MM-dd HH:mm:ss' (UTC) or"
          + " epoch millis."
    })
public final class ScoreSeriesCommand implements Callable<Integer> {
  static final String HEADER = "timestamp,value";
  static final String OUTPUT_HEADER = "timestamp,value,anomaly_score";

  private static final Pattern EPOCH_MILLIS = Pattern.compile("-?\\d{1,19}");
  private static final Pattern DECIMAL =
      Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");
  private static final DateTimeFormatter SPACE_SEPARATED =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT)
          .withResolverStyle(ResolverStyle.STRICT);

  @Option(
      names = "--input",
      required = true,
      paramLabel = "FILE",
      description = "CSV with header 'timestamp,value'.")
  Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "FILE",
      description = "CSV to write with header 'timestamp,value,anomaly_score'.")
  Path output;

  @Option(
      names = "--kind",
      defaultValue = "CONTINUOUS",
      description = "CONTINUOUS values or COUNTS per interval (default: ${DEFAULT-VALUE}).")
  SeriesKind kind;

  @Option(
      names = "--direction",
      defaultValue = "TWO_SIDED",
      description = "TWO_SIDED or UPPER (only bursts) (default: ${DEFAULT-VALUE}).")
  Direction direction;

  @Option(
      names = "--half-life-millis",
      defaultValue = "0",
      description =
          "Baseline half-life in millis; 0 picks 30 median gaps of the warm-up points"
              + " (default: ${DEFAULT-VALUE}).")
  long halfLifeMillis;

  @Option(
      names = "--threshold",
      defaultValue = "0.99",
      description = "Score counted as an anomaly in the summary (default: ${DEFAULT-VALUE}).")
  double threshold;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    RateAnomalyDetector detector =
        RateAnomalyDetector.builder()
            .kind(kind)
            .direction(direction)
            .halfLifeMillis(halfLifeMillis)
            .build();
    Path target = output.toAbsolutePath();
    if (!Files.isDirectory(target.getParent())) {
      throw new SeriesFormatException(
          "output directory " + target.getParent() + " does not exist.");
    }
    Path temp = Files.createTempFile(target.getParent(), ".score-series-", ".tmp");
    long rows = 0;
    long anomalies = 0;
    try (BufferedReader in = open(input);
        BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header != null && header.startsWith("\uFEFF")) {
        header = header.substring(1);
      }
      if (header == null || !HEADER.equals(stripCr(header).strip())) {
        throw new SeriesFormatException(
            input
                + " line 1: expected the header '"
                + HEADER
                + "', found "
                + (header == null ? "an empty file" : "'" + abbreviate(stripCr(header)) + "'")
                + ".");
      }
      out.write(OUTPUT_HEADER);
      out.newLine();
      int lineNumber = 1;
      int firstBlank = 0;
      String line;
      while ((line = in.readLine()) != null) {
        lineNumber++;
        line = stripCr(line);
        if (line.isBlank()) {
          firstBlank = firstBlank == 0 ? lineNumber : firstBlank;
          continue;
        }
        if (firstBlank != 0) {
          throw new SeriesFormatException(
              input + " line " + firstBlank + ": blank line before more data.");
        }
        String[] fields = splitRow(line, lineNumber);
        long ts = parseTimestamp(fields[0], lineNumber);
        double value = parseValue(fields[1], lineNumber);
        double score = detector.score(ts, value);
        rows++;
        if (score > threshold) {
          anomalies++;
        }
        out.write(fields[0]);
        out.write(',');
        out.write(fields[1]);
        out.write(',');
        out.write(formatScore(score));
        out.newLine();
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    spec.commandLine()
        .getOut()
        .printf(
            Locale.ROOT,
            "scored %d rows from %s into %s: %d above %s%n",
            rows,
            input,
            output,
            anomalies,
            threshold);
    spec.commandLine().getOut().flush();
    return 0;
  }

  private BufferedReader open(Path path) throws IOException {
    try {
      return Files.newBufferedReader(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new SeriesFormatException("input file " + path + " does not exist.");
    }
  }

  private String[] splitRow(String line, int lineNumber) {
    if (line.indexOf('"') >= 0) {
      throw new SeriesFormatException(
          input + " line " + lineNumber + ": quoted fields are not supported.");
    }
    int comma = line.indexOf(',');
    if (comma < 0 || line.indexOf(',', comma + 1) >= 0) {
      throw new SeriesFormatException(
          input
              + " line "
              + lineNumber
              + ": expected 2 comma-separated fields (timestamp,value), found "
              + (line.split(",", -1).length)
              + ".");
    }
    return new String[] {line.substring(0, comma).strip(), line.substring(comma + 1).strip()};
  }

  private long parseTimestamp(String s, int lineNumber) {
    try {
      if (EPOCH_MILLIS.matcher(s).matches()) {
        return Long.parseLong(s);
      }
      if (s.indexOf('T') > 0) {
        try {
          return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
              .toInstant()
              .toEpochMilli();
        } catch (DateTimeParseException e) {
          return LocalDateTime.parse(s, DateTimeFormatter.ISO_LOCAL_DATE_TIME)
              .toInstant(ZoneOffset.UTC)
              .toEpochMilli();
        }
      }
      return LocalDateTime.parse(s, SPACE_SEPARATED).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
      throw new SeriesFormatException(
          input
              + " line "
              + lineNumber
              + ": timestamp '"
              + abbreviate(s)
              + "' is not ISO-8601, 'yyyy-MM-dd HH:mm:ss' or epoch millis.");
    }
  }

  private double parseValue(String s, int lineNumber) {
    if (DECIMAL.matcher(s).matches()) {
      double v = Double.parseDouble(s);
      if (Double.isFinite(v)) {
        return v;
      }
    }
    throw new SeriesFormatException(
        input + " line " + lineNumber + ": value '" + abbreviate(s) + "' is not a finite number.");
  }

  /** Six decimals, but never rounds a score below 1 up to 1.000000. */
  static String formatScore(double score) {
    String s = String.format(Locale.ROOT, "%.6f", score);
    return score < 1.0 && s.equals("1.000000") ? "0.999999" : s;
  }

  private static String stripCr(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  /** A malformed input file; its message is the one sentence the CLI prints. */
  static final class SeriesFormatException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    SeriesFormatException(String message) {
      super(message, new IOException(message));
    }
  }
}
