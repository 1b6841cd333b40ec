package io.distillwatch.flink;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bad records, one per kind, as raw bytes (some are not valid UTF-8), each of which the parser must
 * reject with a reason; and a way to mix them into a valid trace.
 */
final class BadInputCorpus {
  private BadInputCorpus() {}

  /** A valid record's fields after the timestamp; the kinds below break one thing each. */
  private static final String TS = "1776211200000"; // 2026-04-15T00:00:00Z

  private static final String OK = "\"account_id\":\"acct-bad\",\"input_tokens\":10";

  /** Kind name to the bytes of one line (no terminator). */
  static Map<String, byte[]> kinds() {
    Map<String, byte[]> k = new LinkedHashMap<>();
    k.put("truncated json", s("{\"timestamp\":" + TS + ",\"account_id\":\"acct-tr"));
    k.put("not json", s("this is not json"));
    k.put("empty object", s("{}"));
    k.put("missing account_id", s("{\"timestamp\":" + TS + ",\"input_tokens\":3}"));
    k.put("missing timestamp", s("{\"account_id\":\"acct-x\"}"));
    k.put("empty account_id", s("{\"timestamp\":" + TS + ",\"account_id\":\"\"}"));
    k.put("null account_id", s("{\"timestamp\":" + TS + ",\"account_id\":null}"));
    k.put("numeric account_id", s("{\"timestamp\":" + TS + ",\"account_id\":12345}"));
    k.put("object account_id", s("{\"timestamp\":" + TS + ",\"account_id\":{\"id\":1}}"));
    k.put("timestamp as word", s("{\"timestamp\":\"yesterday\"," + OK + "}"));
    k.put("timestamp as boolean", s("{\"timestamp\":true," + OK + "}"));
    k.put("timestamp without offset", s("{\"timestamp\":\"2026-04-15T00:00:00\"," + OK + "}"));
    k.put("negative tokens", s("{\"timestamp\":" + TS + "," + OK + ",\"output_tokens\":-5}"));
    k.put(
        "absurd tokens", s("{\"timestamp\":" + TS + "," + OK + ",\"output_tokens\":900000000000}"));
    k.put("fractional tokens", s("{\"timestamp\":" + TS + "," + OK + ",\"output_tokens\":1.5}"));
    k.put("NaN tokens", s("{\"timestamp\":" + TS + "," + OK + ",\"output_tokens\":NaN}"));
    k.put("Infinity tokens", s("{\"timestamp\":" + TS + "," + OK + ",\"output_tokens\":Infinity}"));
    k.put("timestamp 1970", s("{\"timestamp\":0," + OK + "}"));
    k.put("timestamp negative", s("{\"timestamp\":-1776211200000," + OK + "}"));
    k.put("timestamp year 2100", s("{\"timestamp\":4102444800000," + OK + "}"));
    k.put("timestamp 1e30", s("{\"timestamp\":1000000000000000000000000000000," + OK + "}"));
    k.put("status 999", s("{\"timestamp\":" + TS + "," + OK + ",\"status\":999}"));
    k.put("negative tool calls", s("{\"timestamp\":" + TS + "," + OK + ",\"tool_calls\":-1}"));
    k.put(
        "reasoning as string",
        s("{\"timestamp\":" + TS + "," + OK + ",\"reasoning_requested\":\"yes\"}"));
    k.put("five megabyte line", fiveMegabytes());
    k.put(
        "invalid utf-8 in a value",
        cat(s("{\"timestamp\":" + TS + ",\"account_id\":\"acct-"), b(0xC3, 0x28), s("\"}")));
    k.put(
        "lone continuation byte",
        cat(s("{\"timestamp\":" + TS + ",\"account_id\":\"acct-"), b(0x80), s("\"}")));
    k.put(
        "overlong utf-8",
        cat(s("{\"timestamp\":" + TS + ",\"account_id\":\"acct-"), b(0xC0, 0xAF), s("\"}")));
    k.put(
        "invalid utf-8 in an unknown field",
        cat(s("{\"timestamp\":" + TS + "," + OK + ",\"note\":\""), b(0xFF, 0xFE), s("\"}")));
    k.put("deeply nested", s("{\"timestamp\":" + TS + "," + OK + ",\"x\":" + nested(200) + "}"));
    k.put("duplicated key", s("{\"timestamp\":" + TS + "," + OK + ",\"account_id\":\"acct-y\"}"));
    k.put(
        "null byte",
        cat(s("{\"timestamp\":" + TS + ",\"account_id\":\"acct-"), b(0x00), s("z\"}")));
    k.put(
        "escaped null in account_id",
        s("{\"timestamp\":" + TS + ",\"account_id\":\"acct-\\u0000\"}"));
    k.put(
        "escaped unpaired surrogate in account_id",
        s("{\"timestamp\":" + TS + ",\"account_id\":\"acct-\\ud800\"}"));
    k.put(
        "carriage return in a value",
        s("{\"timestamp\":" + TS + ",\"account_id\":\"acct-\rsplit\"}"));
    k.put("control byte", cat(s("{\"timestamp\":" + TS + ","), b(0x01), s(OK + "}")));
    k.put("top-level array", s("[{\"timestamp\":" + TS + "," + OK + "}]"));
    k.put("top-level string", s("\"{\\\"timestamp\\\":1}\""));
    k.put("two objects", s("{\"timestamp\":" + TS + "," + OK + "} {\"timestamp\":1}"));
    k.put("trailing comma", s("{\"timestamp\":" + TS + "," + OK + ",}"));
    k.put("single quotes", s("{'timestamp':" + TS + ",'account_id':'acct-q'}"));
    k.put("comment", s("{/* hi */\"timestamp\":" + TS + "," + OK + "}"));
    k.put("leading zeros", s("{\"timestamp\":0" + TS + "," + OK + "}"));
    k.put(
        "account_id of 5000 chars",
        s("{\"timestamp\":" + TS + ",\"account_id\":\"" + "a".repeat(5000) + "\"}"));
    return k;
  }

  /**
   * Lines that look odd but are valid and must be accepted as one record each: a lone CR between
   * tokens is JSON whitespace (a reader splitting lines at CR, like Flink's TextLineInputFormat,
   * would make two bad records of it), a byte-order mark, tabs.
   */
  static List<byte[]> trickyValid() {
    return List.of(
        s("{\"timestamp\":" + TS + ",\r" + OK + "}"),
        cat(b(0xEF, 0xBB, 0xBF), s("{\"timestamp\":" + TS + "," + OK + "}")),
        s("{\t\"timestamp\":" + TS + ",\t" + OK + "}\t"));
  }

  /**
   * The valid lines with every bad kind spread evenly among them, then the tricky valid lines and
   * two blank lines.
   */
  static byte[] mix(List<String> valid, Map<String, byte[]> bad) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<byte[]> badLines = new ArrayList<>(bad.values());
    int every = Math.max(1, valid.size() / (badLines.size() + 1));
    int next = 0;
    for (int i = 0; i < valid.size(); i++) {
      if (i > 0 && i % every == 0 && next < badLines.size()) {
        out.writeBytes(badLines.get(next++));
        out.write('\n');
      }
      out.writeBytes(valid.get(i).getBytes(StandardCharsets.UTF_8));
      if (i % 7 == 3) {
        out.write('\r'); // some CRLF terminators, as Windows tools write
      }
      out.write('\n');
    }
    while (next < badLines.size()) {
      out.writeBytes(badLines.get(next++));
      out.write('\n');
    }
    for (byte[] line : trickyValid()) {
      out.writeBytes(line);
      out.write('\n');
    }
    // Blank lines are skipped and not counted by both readers.
    out.writeBytes(s("   \n\n"));
    return out.toByteArray();
  }

  private static byte[] fiveMegabytes() {
    String head = "{\"timestamp\":" + TS + "," + OK + ",\"pad\":\"";
    byte[] pad = new byte[5 * 1024 * 1024];
    Arrays.fill(pad, (byte) 'x');
    return cat(s(head), pad, s("\"}"));
  }

  private static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  private static byte[] s(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] b(int... bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = (byte) bytes[i];
    }
    return out;
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
