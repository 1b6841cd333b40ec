package io.distillwatch.core.detect;

import io.distillwatch.core.io.Exchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The documented inputs behind the golden detector snapshot in {@code
 * src/test/resources/detect/golden}: {@link #config()} fed all of {@link #stream()} (seed 2024, 32
 * benign accounts, 3 coordinated, 2 days), then {@code snapshot-v<version>.bin} written, with
 * {@code snapshot-v<version>.explain.txt} holding {@link #canonical} of {@code explain()} for
 * {@link #ACCOUNTS}. The test reads only those two files, so later changes to {@link
 * SyntheticStream} or to detection do not touch it. Regenerate ONLY for a new format version;
 * {@link #main} never overwrites a file: {@code java -cp
 * detector-core/target/test-classes:detector-core/target/classes:$(cat cp.txt)
 * io.distillwatch.core.detect.GoldenSnapshot detector-core/src/test/resources/detect/golden}, after
 * {@code mvn -o -q -pl detector-core test-compile dependency:build-classpath
 * -Dmdep.outputFile=$PWD/cp.txt}.
 */
final class GoldenSnapshot {
  static final List<String> ACCOUNTS =
      List.of("svc-0", "svc-1", "svc-3", "user-0", "user-5", "user-21", "user-31");

  private GoldenSnapshot() {}

  static DetectorConfig.Builder builder() {
    return DetectorConfig.builder()
        .targetFalsePositiveRate(0.05)
        .minCalibrationSamples(10)
        .noveltyBits(6)
        .idleEviction(java.time.Duration.ofDays(2));
  }

  static DetectorConfig config() {
    return builder().config();
  }

  private static List<Exchange> stream;

  static synchronized List<Exchange> stream() {
    if (stream == null) {
      stream = SyntheticStream.generate(2024, 32, 3, 2);
    }
    return stream;
  }

  /**
   * One line: {@code id exchanges clusterSize clusterAlerted flaggedAt contentTail behaviourTail},
   * then {@code signal=value:tail} sorted by signal; doubles in {@link Double#toString} form.
   */
  static String canonical(AccountExplanation e) {
    if (e == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(e.accountId())
        .append(' ')
        .append(e.exchanges())
        .append(' ')
        .append(e.clusterSize())
        .append(' ')
        .append(e.clusterAlerted())
        .append(' ')
        .append(e.flaggedAt())
        .append(' ')
        .append(e.contentTail())
        .append(' ')
        .append(e.behaviourTail());
    for (Map.Entry<String, Double> s : new TreeMap<>(e.signals()).entrySet()) {
      sb.append(' ')
          .append(s.getKey())
          .append('=')
          .append(s.getValue())
          .append(':')
          .append(e.tails().get(s.getKey()));
    }
    return sb.toString();
  }

  static ExtractionDetector detector() {
    ExtractionDetector d = new ExtractionDetector(config());
    for (Exchange e : stream()) {
      d.observe(e);
    }
    return d;
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    ExtractionDetector d = detector();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    d.snapshot(bytes);
    List<String> lines = new ArrayList<>();
    for (String id : ACCOUNTS) {
      lines.add(canonical(d.explain(id)));
    }
    String v = "snapshot-v" + DetectorSnapshot.VERSION;
    writeNew(dir.resolve(v + ".bin"), bytes.toByteArray());
    writeNew(
        dir.resolve(v + ".explain.txt"),
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    System.out.printf(Locale.ROOT, "%s: %d bytes%n", v, bytes.size());
  }

  private static void writeNew(Path file, byte[] bytes) throws IOException {
    try {
      Files.write(file, bytes, StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      System.out.println(file + " exists, left as it is");
    }
  }
}
