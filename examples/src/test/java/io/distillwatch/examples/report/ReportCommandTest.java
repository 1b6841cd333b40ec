package io.distillwatch.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.examples.cli.DistillwatchCli;
import io.distillwatch.examples.cli.GenerateCommand;
import io.distillwatch.examples.cli.ReplayCommand;
import io.distillwatch.examples.cli.ReportCommand;
import io.distillwatch.examples.docs.DocCommands;
import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.generate.LabelsJson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code report} command end to end, run exactly as {@code docs/research.md} shows it: the test
 * reads every {@code bin/distillwatch} line of the docs' code blocks ({@link DocCommands}) and runs
 * it through picocli with the same arguments ({@code out/} becomes a temporary directory), so the
 * documented commands cannot rot. {@code DocumentedCommandsTest} (flink-job) checks that every
 * other documented command is run or parsed somewhere. It then opens the HTML and checks every
 * chart.
 */
class ReportCommandTest {
  private static final List<String> DOCS = List.of("docs/research.md", "docs/signals.md");
  private static final List<String> CHARTS =
      List.of(
          "hourly",
          "scores",
          "precision-recall",
          "contributions",
          "rate-limit-recall",
          "rate-limit-benign");
  private static final Pattern FIGURE =
      Pattern.compile(
          "<figure id=\"([a-z-]+)\">\\s*<img alt=\"[^\"]+\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\">");
  private static final Pattern CLOSING =
      Pattern.compile("records=\\d+ accepted=\\d+ rejected=\\d+ alerts=\\d+");

  @TempDir static Path dir;

  /** Output of each documented command, by subcommand name. */
  private static final Map<String, String> OUT = new HashMap<>();

  private static String html;
  private static Labels labels;

  @BeforeAll
  static void runDocumentedCommands() throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<List<String>> commands = documentedCommands();
    List<String> names = new ArrayList<>();
    for (List<String> args : commands) {
      names.add(args.get(0));
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = run(args, out, err);
      assertEquals(0, code, String.join(" ", args) + " failed: " + err);
      OUT.put(args.get(0), out.toString());
    }
    assertEquals(List.of("generate", "replay", "report"), names, "documented commands");
    html = Files.readString(dir.resolve("out/report.html"), StandardCharsets.UTF_8);
    labels = LabelsJson.read(dir.resolve("out/labels.json"));
  }

  private static int run(List<String> args, StringWriter out, StringWriter err) {
    Map<String, Object> commands = new LinkedHashMap<>();
    commands.put("generate", new GenerateCommand());
    commands.put("replay", new ReplayCommand());
    commands.put("report", new ReportCommand());
    var cli = DistillwatchCli.commandLine(commands);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args.toArray(new String[0]));
  }

  /** Every {@code bin/distillwatch} line in the docs' fenced code blocks, without the launcher. */
  private static List<List<String>> documentedCommands() throws IOException {
    Path root = DocCommands.root();
    Files.createDirectories(dir.resolve("out"));
    List<List<String>> commands = new ArrayList<>();
    for (String doc : DOCS) {
      for (DocCommands.Shown shown : DocCommands.shown(root, doc, Set.of())) {
        if (shown.where() == DocCommands.Where.FENCED && shown.isLauncher()) {
          commands.add(DocCommands.inDir(shown.launcherArgs(), dir));
        }
      }
    }
    return commands;
  }

  @Test
  void report_everyChart_isADecodableImageWithContent() throws IOException {
    Map<String, byte[]> pngs = new LinkedHashMap<>();
    Matcher m = FIGURE.matcher(html);
    while (m.find()) {
      pngs.put(m.group(1), Base64.getDecoder().decode(m.group(2)));
    }
    assertEquals(CHARTS, List.copyOf(pngs.keySet()), "charts in the report");
    for (Map.Entry<String, byte[]> chart : pngs.entrySet()) {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(chart.getValue()));
      assertNotNull(image, chart.getKey() + " is not a readable PNG");
      assertTrue(image.getWidth() > 100 && image.getHeight() > 100, chart.getKey() + " size");
      assertTrue(
          shareOfPixelsUnlikeTheCommonest(image) > 0.02,
          chart.getKey() + " is (almost) one colour");
    }
  }

  @Test
  void report_replaysLikeReplay_sameClosingLine() {
    String replay = closing(OUT.get("replay"));
    String report = closing(OUT.get("report"));
    assertEquals(replay, report, "report and replay saw different alerts");
    assertTrue(OUT.get("report").contains("report: wrote "), OUT.get("report"));
  }

  @Test
  void report_tables_nameEveryCampaignAndArchetype() {
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertTrue(html.trim().endsWith("</html>"));
    for (Labels.Campaign c : labels.campaigns()) {
      assertTrue(html.contains("<td>" + c.name() + "</td>"), "campaign row " + c.name());
    }
    for (Labels.Benign b : labels.benign()) {
      assertTrue(html.contains("<td>" + b.archetype()), "archetype row " + b.archetype());
    }
    // Self-contained: nothing is fetched from elsewhere.
    assertTrue(!html.contains("http://") && !html.contains("https://"), "external reference");
    assertTrue(html.contains("Strongest account alerts"));
  }

  @Test
  void report_missingLabels_failsWithOneSentence() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        run(
            List.of(
                "report",
                "--input",
                dir.resolve("out/trace.jsonl").toString(),
                "--labels",
                dir.resolve("nope.json").toString(),
                "--output",
                dir.resolve("r.html").toString()),
            out,
            err);
    assertEquals(DistillwatchCli.EXIT_FAILURE, code);
    String e = err.toString().trim();
    assertTrue(e.startsWith("error: ") && e.contains("nope.json"), e);
    assertTrue(!e.contains("\tat "), "stack trace without --verbose: " + e);
    assertTrue(Files.notExists(dir.resolve("r.html")));
  }

  private static String closing(String output) {
    Matcher m = CLOSING.matcher(output);
    String last = null;
    while (m.find()) {
      last = m.group();
    }
    assertNotNull(last, "no closing line in:\n" + output);
    return last;
  }

  /** Share of pixels whose colour differs from the image's commonest colour. */
  private static double shareOfPixelsUnlikeTheCommonest(BufferedImage image) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        counts.merge(image.getRGB(x, y), 1, Integer::sum);
      }
    }
    int commonest = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    double pixels = (double) image.getWidth() * image.getHeight();
    return 1.0 - commonest / pixels;
  }
}
