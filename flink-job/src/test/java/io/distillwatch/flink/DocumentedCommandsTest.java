package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.distillwatch.examples.docs.DocCommands;
import io.distillwatch.examples.docs.DocCommands.Shown;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every command shown in {@code README.md} and {@code docs/*.md} is run by a test or by CI, so none
 * rots (issue 6). The commands are read from the markdown ({@link DocCommands}); each must match
 * one rule of {@link #RULES}, which says how it is exercised, or the test fails, so a newly
 * documented command cannot go unchecked. Every launcher command is also parsed, as shown, against
 * the launcher's real command spec ({@link Main#commandLine()}), so a renamed or unknown flag fails
 * here even for the commands too long to run.
 *
 * <p>Commands run in-process in a temporary working directory: the relative files the docs name
 * ({@code trace.jsonl}, {@code series.csv}, ...) are resolved there. A synopsis from the command
 * table is run with its optional parts and with {@link #PLACEHOLDERS} filled in; its form without
 * the optional parts is parsed too. Long commands run scaled down by {@link #SCALED}: the shown
 * arguments with these options replaced or added.
 */
class DocumentedCommandsTest {

  /** How a rule exercises its commands. */
  enum How {
    /** Run in-process as shown (files in the temporary directory). */
    VERBATIM,
    /** Parsed as shown; run with the {@link #SCALED} options of its subcommand. */
    SCALED,
    /** Parsed as shown where it is the launcher's; run by the test or CI step named. */
    ELSEWHERE,
    /** A subcommand and one of its flags named in prose: the flag must exist. */
    MENTION,
    /** Cannot run here or in CI (needs a cluster): parsed and checked, as the detail says. */
    PARSE_ONLY
  }

  record Rule(String name, How how, String detail, Predicate<Shown> matches) {}

  private static boolean launcher(Shown s, String... first) {
    if (!s.isLauncher()) {
      return false;
    }
    List<String> args = s.launcherArgs();
    return args.size() >= first.length && args.subList(0, first.length).equals(List.of(first));
  }

  /** The explicit table: first match wins; a command matching none fails the test. */
  static final List<Rule> RULES =
      List.of(
          new Rule(
              "help",
              How.VERBATIM,
              "prints the usage with every subcommand",
              s -> s.isLauncher() && s.launcherArgs().equals(List.of("--help"))),
          new Rule(
              "research session",
              How.ELSEWHERE,
              "examples ReportCommandTest runs docs/research.md's three lines verbatim",
              s -> s.doc().equals("docs/research.md") && s.where() == DocCommands.Where.FENCED),
          new Rule(
              "flag named in prose",
              How.MENTION,
              "e.g. `replay --labels`: the subcommand has the flag",
              s ->
                  s.isLauncher()
                      && s.where() == DocCommands.Where.INLINE
                      && s.launcherArgs().size() == 2
                      && s.launcherArgs().get(1).startsWith("--")),
          new Rule(
              "run on the built-in scenario",
              How.ELSEWHERE,
              ".ci/run runs `bin/distillwatch run` (1.9 M exchanges, minutes) on every submission",
              s -> s.isLauncher() && s.launcherArgs().equals(List.of("run"))),
          new Rule(
              "run Kafka to Kafka",
              How.ELSEWHERE,
              "KafkaDocumentedRunITCase runs the README's line against an in-JVM KRaft broker,"
                  + " adding --kafka-bounded --starting-offsets earliest -p 1 (unbounded as shown);"
                  + " here it is parsed and validated",
              s -> launcher(s, "run") && s.words().contains("--kafka-bootstrap")),
          new Rule(
              "run over a file",
              How.VERBATIM,
              "on the generated trace; its alerts at -p 1 must equal the replay's",
              s -> launcher(s, "run") && s.words().contains("--input")),
          new Rule(
              "generate",
              How.SCALED,
              "a 3-day trace (the docs' sizes take minutes); writes what replay/report/run read",
              s -> launcher(s, "generate")),
          new Rule("replay", How.VERBATIM, "on the generated trace", s -> launcher(s, "replay")),
          new Rule(
              "sweep",
              How.SCALED,
              "one seed at scale 0.002 with 300 benign accounts (the docs' sweep takes minutes)",
              s -> launcher(s, "sweep")),
          new Rule("report", How.VERBATIM, "on the generated trace", s -> launcher(s, "report")),
          new Rule(
              "score-series",
              How.VERBATIM,
              "on a series.csv the test writes",
              s -> launcher(s, "score-series")),
          new Rule(
              "bench",
              How.SCALED,
              "20,000 records, hashmap only, one warm-up pair and two rounds",
              s -> launcher(s, "bench")),
          new Rule(
              "soak",
              How.SCALED,
              "6 s with --max-rate given (no measuring)",
              s -> launcher(s, "soak")),
          new Rule(
              "gateway",
              How.SCALED,
              "on a free port (8080 may be taken); serves until interrupted",
              s -> launcher(s, "gateway")),
          new Rule(
              "jmh",
              How.ELSEWHERE,
              "benchmarks DocumentedBenchmarkCommandsTest parses it with JMH and runs one matched"
                  + " benchmark with -f 0 -wi 0 -i 1 (DetectorBenchmark: parsed only, 50 s setup)",
              s -> launcher(s, "jmh")),
          new Rule(
              "java on the benchmarks jar",
              How.ELSEWHERE,
              "benchmarks DocumentedBenchmarkCommandsTest checks the main class and its arguments,"
                  + " and runs HeapPerAccount small",
              s ->
                  s.words().get(0).equals("java")
                      && s.words().contains("benchmarks/target/benchmarks.jar")),
          new Rule(
              "CI's build",
              How.ELSEWHERE,
              ".ci/run runs `mvn -B -ntp verify`",
              s -> s.text().equals("mvn -B -ntp verify")),
          new Rule(
              "a module's build or tests",
              How.ELSEWHERE,
              ".ci/run's `mvn -B -ntp verify` builds every module and runs every test (a superset);"
                  + " here each -pl module and -Dtest class must exist",
              s -> s.words().get(0).equals("mvn")),
          new Rule(
              "program named in prose",
              How.MENTION,
              "`flink run` in a sentence names the command shown above it",
              s -> s.where() == DocCommands.Where.INLINE && s.text().equals("flink run")),
          new Rule(
              "flink run",
              How.PARSE_ONLY,
              "needs a Flink cluster: the flags after the jar are parsed and validated as"
                  + " DetectionJob.main does, and the jar is the one flink-job's pom builds",
              s ->
                  s.words().size() > 1 && s.words().subList(0, 2).equals(List.of("flink", "run"))));

  /** Values for the command table's placeholders. */
  static final Map<String, String> PLACEHOLDERS =
      Map.of("<preset|all>", "all", "<s>", "0.002", "<n>", "11", "N", "1", "<ev/s>", "20000");

  /** The scaled-down variants: these options replace the shown values, or are added. */
  static final Map<String, List<String>> SCALED =
      Map.of(
          "generate",
          List.of(
              "--scale",
              "0.002",
              "--start",
              "2026-04-20T00:00:00Z",
              "--end",
              "2026-04-23T00:00:00Z",
              "--min-benign-accounts",
              "2000"),
          "bench",
          List.of(
              "--records",
              "20000",
              "--backends",
              "hashmap",
              "-p",
              "1",
              "--latency-rate",
              "20000",
              "--warmups",
              "1",
              "--rounds",
              "2"),
          "soak",
          List.of(
              "--minutes",
              "0.1",
              "--max-rate",
              "20000",
              "--report-every",
              "2s",
              "--checkpoint-interval",
              "2s",
              "-p",
              "1"),
          "gateway",
          List.of("--port", "0"),
          "sweep",
          List.of("--seeds", "3", "--scale", "0.002", "--min-benign-accounts", "300"));

  private static final Pattern CLOSING =
      Pattern.compile("records=\\d+ accepted=\\d+ rejected=\\d+ alerts=\\d+");
  private static final Pattern BENCH =
      Pattern.compile("hashmap: detect=(\\d+) trivial=(\\d+) ratio=(\\d+\\.\\d\\d)");

  @TempDir Path dir;

  private static Path root() {
    return DocCommands.root();
  }

  static Set<String> subcommands() {
    Set<String> names = new LinkedHashSet<>(Main.commandLine().getSubcommands().keySet());
    names.add("jmh"); // bin/distillwatch runs the JMH jar itself
    return names;
  }

  static Rule rule(Shown s) {
    for (Rule r : RULES) {
      if (r.matches().test(s)) {
        return r;
      }
    }
    return null;
  }

  @Test
  void everyDocumentedCommand_isExercised() throws Exception {
    long t0 = System.nanoTime();
    List<Shown> shown = DocCommands.shown(root(), subcommands());
    assertTrue(shown.size() > 20, "commands found: " + shown);
    Map<Shown, Rule> rules = new LinkedHashMap<>();
    List<Shown> unknown = new ArrayList<>();
    for (Shown s : shown) {
      Rule r = rule(s);
      if (r == null) {
        unknown.add(s);
      } else {
        rules.put(s, r);
      }
    }
    StringBuilder table = new StringBuilder("documented commands:\n");
    rules.forEach((s, r) -> table.append(String.format("  %-9s %-28s %s%n", r.how(), r.name(), s)));
    System.out.print(table);
    assertEquals(
        List.of(),
        unknown,
        "documented commands no rule of DocumentedCommandsTest.RULES handles: add one");
    Set<String> used = rules.values().stream().map(Rule::name).collect(Collectors.toSet());
    for (Rule r : RULES) {
      assertTrue(used.contains(r.name()), "rule '" + r.name() + "' matches no documented command");
    }

    // 1. Everything cheap to check: parsing, mentions, what "elsewhere" relies on.
    for (Map.Entry<Shown, Rule> e : rules.entrySet()) {
      check(e.getKey(), e.getValue());
    }

    // 2. Run: generate first (the others read its trace), each distinct argument list once.
    Files.writeString(dir.resolve("series.csv"), series(), StandardCharsets.UTF_8);
    List<Run> runs = new ArrayList<>();
    Set<List<String>> seen = new HashSet<>();
    for (boolean generate : new boolean[] {true, false}) {
      for (Map.Entry<Shown, Rule> e : rules.entrySet()) {
        How how = e.getValue().how();
        Shown s = e.getKey();
        if ((how != How.VERBATIM && how != How.SCALED) || launcher(s, "generate") != generate) {
          continue;
        }
        List<String> args = fullForm(s);
        if (how == How.SCALED) {
          args = scaled(args);
        }
        // A scaled variant runs once per subcommand (its first, fullest form); the others parse.
        List<String> key = how == How.SCALED ? List.of(args.get(0)) : args;
        if (seen.add(key)) {
          runs.add(run(s, DocCommands.inDir(args, dir)));
        }
      }
    }
    // README: "At -p 1 its alerts are exactly the replay's."
    List<Run> replays = runs.stream().filter(r -> r.args.get(0).equals("replay")).toList();
    for (Run run : runs) {
      if (run.args.get(0).equals("run") && run.args.containsAll(List.of("-p", "1"))) {
        assertTrue(!replays.isEmpty(), "no documented replay to compare run with");
        assertEquals(closing(replays.get(0).out), closing(run.out), "run -p 1 vs replay");
        assertEquals(
            Set.copyOf(replays.get(0).alerts), Set.copyOf(run.alerts), "run -p 1 vs replay alerts");
      }
    }
    System.out.printf(
        "documented commands: %d shown, %d run in %.1f s%n",
        shown.size(), runs.size(), (System.nanoTime() - t0) / 1e9);
  }

  /** The parse-level check of one shown command, by its rule. */
  private void check(Shown s, Rule r) throws IOException {
    switch (r.how()) {
      case MENTION -> {
        if (!s.isLauncher()) {
          return;
        }
        List<String> a = s.launcherArgs();
        CommandLine sub = Main.commandLine().getSubcommands().get(a.get(0));
        assertTrue(
            sub != null && sub.getCommandSpec().findOption(a.get(1)) != null,
            s + ": no such subcommand or option");
      }
      case VERBATIM, SCALED -> forms(s).forEach(args -> parse(s, args));
      case ELSEWHERE -> {
        if (s.isLauncher() && !launcher(s, "jmh")) {
          forms(s).forEach(args -> parse(s, args));
        }
        String ci = Files.readString(root().resolve(".ci/run"), StandardCharsets.UTF_8);
        if (r.name().equals("run on the built-in scenario")) {
          assertTrue(ci.contains("bin/distillwatch run >"), ".ci/run no longer runs " + s);
        } else if (r.name().equals("CI's build") || r.name().equals("a module's build or tests")) {
          assertTrue(ci.contains("\nmvn -B -ntp verify\n"), ".ci/run no longer runs verify");
          checkMavenTargets(s);
        }
      }
      case PARSE_ONLY -> checkFlinkRun(s);
    }
  }

  /** {@code -pl} modules and {@code -Dtest} classes of a shown mvn line exist. */
  private static void checkMavenTargets(Shown s) throws IOException {
    List<String> w = s.words();
    String module = null;
    for (int i = 0; i < w.size(); i++) {
      if (w.get(i).equals("-pl")) {
        module = w.get(i + 1);
        assertTrue(Files.isRegularFile(root().resolve(module).resolve("pom.xml")), s + ": module");
      } else if (w.get(i).startsWith("-Dtest=")) {
        // -Dtest=Class or Class#methodGlob: the class exists, and a method matches the glob.
        String[] test = w.get(i).substring("-Dtest=".length()).split("#", 2);
        Path tests = root().resolve(module == null ? "." : module).resolve("src/test/java");
        List<Path> found;
        try (var files = Files.walk(tests)) {
          found = files.filter(p -> p.getFileName().toString().equals(test[0] + ".java")).toList();
        }
        assertEquals(1, found.size(), s + ": no test class " + test[0]);
        if (test.length == 2) {
          Pattern method =
              Pattern.compile(
                  "void\\s+" + test[1].replace("*", "\\w*").replace("?", "\\w") + "\\s*\\(");
          assertTrue(
              method.matcher(Files.readString(found.get(0))).find(),
              s + ": no test method " + test[1] + " in " + test[0]);
        }
      }
    }
  }

  /** {@code flink run [flink flags] <jar> <job flags>}: the jar and the job's flags. */
  private static void checkFlinkRun(Shown s) throws IOException {
    List<String> w = s.words();
    int jar = -1;
    for (int i = 0; i < w.size(); i++) {
      if (w.get(i).endsWith(".jar")) {
        jar = i;
        break;
      }
    }
    assertTrue(jar > 0, s + ": no jar");
    String pom = Files.readString(root().resolve("pom.xml"), StandardCharsets.UTF_8);
    Matcher version = Pattern.compile("<version>([^<]+)</version>").matcher(pom);
    assertTrue(version.find());
    assertEquals(
        "flink-job/target/flink-job-" + version.group(1) + "-job.jar", w.get(jar), s + ": jar");
    JobOptions o = new JobOptions();
    CommandLine cli = new CommandLine(o).setCommandName("distillwatch-job");
    cli.parseArgs(w.subList(jar + 1, w.size()).toArray(new String[0]));
    o.validate(cli);
  }

  /** Parses as the launcher would (unknown or renamed flags throw); validates run's flags. */
  private static void parse(Shown s, List<String> args) {
    CommandLine cli = Main.commandLine();
    try {
      CommandLine.ParseResult pr = cli.parseArgs(args.toArray(new String[0]));
      if (pr.subcommand() != null
          && pr.subcommand().commandSpec().userObject() instanceof RunJobCommand run) {
        run.options.validate(pr.subcommand().commandSpec().commandLine());
      }
    } catch (CommandLine.ParameterException e) {
      fail(s + " as " + args + ": " + e.getMessage());
    }
  }

  /**
   * The launcher's arguments as shown, in two forms when there are optional parts: with them (the
   * first) and without; placeholders filled in.
   */
  static List<List<String>> forms(Shown s) {
    String text = s.text();
    List<String> texts =
        text.contains("[")
            ? List.of(text.replaceAll("[\\[\\]]", ""), text.replaceAll("\\s*\\[[^\\]]*\\]", ""))
            : List.of(text);
    List<List<String>> forms = new ArrayList<>();
    for (String t : texts) {
      List<String> args = new ArrayList<>();
      for (String w : DocCommands.words(t).subList(1, DocCommands.words(t).size())) {
        String v = PLACEHOLDERS.getOrDefault(w, w);
        assertTrue(!v.matches("<.*>"), s + ": unknown placeholder " + v + " (add to PLACEHOLDERS)");
        args.add(v);
      }
      forms.add(args);
    }
    return forms;
  }

  static List<String> fullForm(Shown s) {
    return forms(s).get(0);
  }

  /** The arguments with the subcommand's {@link #SCALED} options replacing or added. */
  static List<String> scaled(List<String> args) {
    List<String> scaled = new ArrayList<>(args);
    List<String> pairs = SCALED.get(args.get(0));
    assertTrue(pairs != null, "no scaled variant for " + args);
    for (int i = 0; i < pairs.size(); i += 2) {
      int at = scaled.indexOf(pairs.get(i));
      if (at >= 0) {
        scaled.set(at + 1, pairs.get(i + 1));
      } else {
        scaled.add(pairs.get(i));
        scaled.add(pairs.get(i + 1));
      }
    }
    return scaled;
  }

  /** One in-process run and what it left. */
  record Run(List<String> args, String out, List<String> alerts) {}

  private Run run(Shown s, List<String> args) throws Exception {
    long t0 = System.nanoTime();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] argv = args.toArray(new String[0]);
    int code;
    if (args.get(0).equals("gateway")) {
      code = serveBriefly(cli, argv, out);
    } else {
      code = cli.execute(argv);
    }
    String printed = out.toString();
    assertEquals(0, code, s + " as " + args + " failed:\n" + printed + "\n" + err);
    contract(s, args, printed);
    List<String> alerts = List.of();
    int a = args.indexOf("--alerts");
    if (a >= 0) {
      alerts = Files.readAllLines(Path.of(args.get(a + 1)));
    }
    System.out.printf(
        "documented command %s: ran %s in %.1f s%n", s, args, (System.nanoTime() - t0) / 1e9);
    return new Run(args, printed, alerts);
  }

  /** What each subcommand's documentation promises it prints or writes. */
  private static void contract(Shown s, List<String> args, String out) throws IOException {
    String what = s + " printed:\n" + out;
    switch (args.get(0)) {
      case "--help" -> {
        assertTrue(out.startsWith("Usage: distillwatch"), what);
        for (String sub : Main.commandLine().getSubcommands().keySet()) {
          assertTrue(out.contains(sub), what);
        }
      }
      case "generate" -> assertTrue(out.matches("(?s)generate: \\d+ records.*"), what);
      case "sweep" ->
          assertTrue(
              out.matches(
                  "(?s)seed +start +without .*\nsweep: \\d+ replays, \\d+ met every goal; benign accounts flagged \\d+ \\(\\d+ hard negatives\\); campaigns never alerted \\d+\n"),
              what);
      case "replay", "run" -> closing(out);
      case "report" -> {
        closing(out);
        Path html = Path.of(args.get(args.indexOf("--output") + 1));
        assertTrue(Files.readString(html).startsWith("<!DOCTYPE html>"), what);
      }
      case "score-series" -> {
        Path scored = Path.of(args.get(args.indexOf("--output") + 1));
        List<String> rows = Files.readAllLines(scored);
        assertEquals("timestamp,value,anomaly_score", rows.get(0), what);
        assertEquals(series().lines().count(), rows.size(), what);
      }
      case "bench" -> {
        Matcher m = BENCH.matcher(out);
        assertTrue(m.find(), what);
        double ratio = Double.parseDouble(m.group(1)) / Double.parseDouble(m.group(2));
        assertEquals(ratio, Double.parseDouble(m.group(3)), 0.006, "ratio is detect / trivial");
        assertTrue(out.contains("latency at 20000 exchanges/s"), what);
        assertTrue(
            out.matches(
                "(?s).*hashmap: 2 rounds, each round's ratio: \\d+\\.\\d\\d \\d+\\.\\d\\d\n.*"),
            "each round's ratio before the medians: " + what);
      }
      case "soak" -> {
        List<String> lines = out.lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains(" backlog=")), what);
        assertTrue(
            lines.get(lines.size() - 1).matches("backlog (GREW|did not grow): .*"),
            "the soak ends saying whether the backlog grew: " + what);
      }
      case "gateway" ->
          assertTrue(out.matches("(?s)gateway: listening on http://127\\.0\\.0\\.1:\\d+.*"), what);
      default -> fail("no contract for " + s);
    }
  }

  /** Runs the gateway until it says where it listens, then stops it as a test does: interrupt. */
  private static int serveBriefly(CommandLine cli, String[] argv, StringWriter out)
      throws InterruptedException {
    AtomicInteger code = new AtomicInteger(-1);
    Thread t = new Thread(() -> code.set(cli.execute(argv)), "documented-gateway");
    t.start();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!out.toString().contains("listening on") && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    t.interrupt();
    t.join(20_000);
    return code.get();
  }

  private static String closing(String output) {
    Matcher m = CLOSING.matcher(output);
    String last = null;
    while (m.find()) {
      last = m.group();
    }
    assertTrue(last != null, "no closing line records=.. accepted=.. in:\n" + output);
    List<String> lines = output.lines().toList();
    assertEquals(last, lines.get(lines.size() - 1), "the closing line is last");
    return last;
  }

  /** A {@code timestamp,value} series in the README's formats: a steady count, then a burst. */
  private static String series() {
    StringBuilder sb = new StringBuilder("timestamp,value\n");
    for (int i = 0; i < 200; i++) {
      String ts =
          i % 2 == 0
              ? java.time.Instant.ofEpochSecond(1776902400L + 60L * i).toString()
              : Long.toString((1776902400L + 60L * i) * 1000);
      sb.append(ts).append(',').append(i == 190 ? 500 : 20 + (i * 7) % 5).append('\n');
    }
    return sb.toString();
  }
}
