package io.distillwatch.examples.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The commands shown in the project's docs ({@code README.md} and {@code docs/*.md}), read from the
 * markdown itself so that tests which run them follow the docs when they change. Shared by the
 * tests of every module that runs documented commands (this class is in the examples test-jar).
 *
 * <p>A command is a line of a fenced or indented code block, or an inline code span, whose first
 * word is a program ({@link #PROGRAMS}, or a path such as {@code bin/distillwatch}); an inline span
 * that starts with a subcommand of the launcher and has more words (e.g. {@code replay --input
 * trace.jsonl}), or that is the first cell of a table row, is the launcher's command too. A bare
 * subcommand name in prose ({@code `run`}) is a mention, not a command. Lines ending in {@code \}
 * are joined with the next.
 */
public final class DocCommands {
  private DocCommands() {}

  /** The launcher, as the docs spell it. */
  public static final String LAUNCHER = "bin/distillwatch";

  /** First words that make a line a command; any other word is prose or program output. */
  public static final Set<String> PROGRAMS =
      Set.of(
          LAUNCHER,
          "mvn",
          "java",
          "flink",
          "curl",
          "bash",
          "sh",
          "docker",
          "kubectl",
          "python",
          "python3",
          "git",
          "make",
          "jq",
          "cat",
          "echo",
          "cd",
          "export",
          "kafka-topics.sh");

  /** Where in the markdown a command was shown. */
  public enum Where {
    FENCED,
    INDENTED,
    INLINE,
    TABLE
  }

  /** One command as shown: its file (relative to the root), 1-based line and text. */
  public record Shown(String doc, int line, Where where, String text) {
    /** The command's words, as a POSIX shell would split them (quotes removed). */
    public List<String> words() {
      return DocCommands.words(text);
    }

    /** The words after {@code bin/distillwatch}; the launcher's arguments. */
    public List<String> launcherArgs() {
      List<String> w = words();
      if (!w.get(0).equals(LAUNCHER)) {
        throw new IllegalStateException("not a launcher command: " + this);
      }
      return w.subList(1, w.size());
    }

    public boolean isLauncher() {
      return words().get(0).equals(LAUNCHER);
    }

    @Override
    public String toString() {
      return doc + ":" + line + " `" + text + "`";
    }
  }

  /** The project root: the first directory up from the working directory with README and docs. */
  public static Path root() {
    Path root = Path.of("").toAbsolutePath();
    while (root != null
        && !(Files.isRegularFile(root.resolve("README.md"))
            && Files.isDirectory(root.resolve("docs")))) {
      root = root.getParent();
    }
    if (root == null) {
      throw new IllegalStateException(
          "no README.md and docs/ above " + Path.of("").toAbsolutePath());
    }
    return root;
  }

  /** README.md, then docs/*.md by name, relative to the root. */
  public static List<String> docs(Path root) {
    List<String> docs = new ArrayList<>(List.of("README.md"));
    try (Stream<Path> files = Files.list(root.resolve("docs"))) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".md"))
          .sorted()
          .forEach(n -> docs.add("docs/" + n));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  /** Every command shown in every doc. */
  public static List<Shown> shown(Path root, Set<String> subcommands) {
    List<Shown> all = new ArrayList<>();
    for (String doc : docs(root)) {
      all.addAll(shown(root, doc, subcommands));
    }
    return all;
  }

  private static final Pattern SPAN = Pattern.compile("`([^`]+)`");

  /** Every command shown in one doc; {@code subcommands} are the launcher's subcommand names. */
  public static List<Shown> shown(Path root, String doc, Set<String> subcommands) {
    List<String> lines;
    try {
      lines = Files.readAllLines(root.resolve(doc), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Shown> found = new ArrayList<>();
    boolean fenced = false;
    boolean previousBlank = true;
    boolean indentedBlock = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        previousBlank = false;
        continue;
      }
      boolean indented = line.startsWith("    ") && !line.isBlank();
      indentedBlock = indented && (indentedBlock || previousBlank);
      previousBlank = line.isBlank();
      if (fenced || indentedBlock) {
        String text = line.strip();
        int first = i;
        while (text.endsWith("\\") && i + 1 < lines.size()) {
          text = text.substring(0, text.length() - 1).strip() + " " + lines.get(++i).strip();
        }
        if (!text.isEmpty() && isProgram(text.split("\\s+")[0])) {
          found.add(new Shown(doc, first + 1, fenced ? Where.FENCED : Where.INDENTED, text));
        }
        continue;
      }
      boolean tableRow = line.startsWith("|");
      int firstCellEnd = tableRow ? line.indexOf('|', 1) : -1;
      // A table cell escapes | as \| ; the span's text is what a user would type.
      Matcher m = SPAN.matcher(line.replace("\\|", "\u0000"));
      while (m.find()) {
        String span = m.group(1).replace('\u0000', '|').strip();
        String[] w = span.split("\\s+");
        if (isProgram(w[0]) && w.length > 1) {
          found.add(new Shown(doc, i + 1, Where.INLINE, span));
        } else if (subcommands.contains(w[0])) {
          boolean firstCell = tableRow && m.start() < firstCellEnd;
          if (firstCell || w.length > 1) {
            found.add(
                new Shown(
                    doc, i + 1, firstCell ? Where.TABLE : Where.INLINE, LAUNCHER + " " + span));
          }
        }
      }
    }
    return found;
  }

  private static boolean isProgram(String word) {
    return PROGRAMS.contains(word) || word.startsWith("bin/") || word.startsWith("./");
  }

  /** Splits like a POSIX shell: whitespace separates, single and double quotes group. */
  public static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(w.toString());
          w.setLength(0);
          inWord = false;
        }
      } else {
        w.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unbalanced quote in: " + text);
    }
    if (inWord) {
      words.add(w.toString());
    }
    return words;
  }

  private static final Pattern RELATIVE_FILE =
      Pattern.compile("(out/[^\\s]+|[\\w.-]+\\.(jsonl|json|csv|html))");

  /**
   * The arguments with every relative file the docs name ({@code out/...}, or a bare {@code
   * trace.jsonl}, {@code labels.json}, {@code series.csv}, {@code report.html}) resolved in {@code
   * dir}, as if the command ran with {@code dir} as its working directory.
   */
  public static List<String> inDir(List<String> args, Path dir) {
    List<String> resolved = new ArrayList<>();
    for (String arg : args) {
      resolved.add(RELATIVE_FILE.matcher(arg).matches() ? dir.resolve(arg).toString() : arg);
    }
    return resolved;
  }
}
