package io.distillwatch.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesReaderTest {
  static final String OK = ExchangeParserTest.OK + "}";

  static ExchangeParser parser() {
    return ExchangeParserTest.parser();
  }

  static List<ParseResult> readAll(JsonLinesReader r) throws IOException {
    List<ParseResult> out = new ArrayList<>();
    r.forEach(out::add);
    return out;
  }

  /** Input: valid, blank lines, CRLF, invalid UTF-8, malformed, and a last line without LF. */
  static byte[] mixedInput() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes((OK + "\n\n   \n\t\r\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes((OK + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(ExchangeParserTest.bytes("{\"account_id\":\"\u00ff\"}\n"));
    out.writeBytes("{not json}\n\n".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(OK.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  @Test
  void forEach_mixedInput_blankLinesSkippedAndCountsBalance() throws IOException {
    ExchangeParser p = parser();
    try (JsonLinesReader r =
        new JsonLinesReader(new java.io.ByteArrayInputStream(mixedInput()), p)) {
      List<ParseResult> results = readAll(r);
      assertEquals(
          List.of(true, true, false, false, true),
          results.stream().map(ParseResult::isAccepted).toList());
      assertEquals(5, r.records());
      assertEquals(r.records(), p.accepted() + p.rejected());
      assertEquals(2, p.rejected(RejectReason.MALFORMED_JSON));
      assertTrue(results.get(2).rejection().rawLine().contains("\uFFFD"));
      assertNull(r.next());
    }
  }

  @Test
  void forEach_tricklingStream_sameResultsAsWholeBuffer() throws IOException {
    // A stream that returns at most 3 bytes per read puts line ends on every chunk boundary.
    InputStream trickle =
        new FilterInputStream(new java.io.ByteArrayInputStream(mixedInput())) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 3));
          }
        };
    ExchangeParser p = parser();
    try (JsonLinesReader r = new JsonLinesReader(trickle, p)) {
      assertEquals(5, readAll(r).size());
      assertEquals(3, p.accepted());
    }
  }

  @Test
  void next_fiveMegabyteLine_tooLongWithoutStoppingTheStream() throws IOException {
    byte[] big = new byte[5 * 1024 * 1024];
    Arrays.fill(big, (byte) 'x');
    big[0] = '{';
    ByteArrayOutputStream out = new ByteArrayOutputStream(big.length + 200);
    out.writeBytes((OK + "\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(big);
    out.writeBytes(("\n" + OK + "\n").getBytes(StandardCharsets.UTF_8));
    ExchangeParser p = parser();
    try (JsonLinesReader r =
        new JsonLinesReader(new java.io.ByteArrayInputStream(out.toByteArray()), p)) {
      List<ParseResult> results = readAll(r);
      assertEquals(3, results.size());
      Rejection rej = results.get(1).rejection();
      assertEquals(RejectReason.TOO_LONG, rej.reason());
      assertTrue(rej.rawLine().startsWith("{xxx"), rej.rawLine());
      assertTrue(rej.rawLine().endsWith("...(5242880 bytes)"), rej.rawLine());
      assertTrue(rej.rawLine().length() < 300);
      assertTrue(results.get(2).isAccepted());
      assertEquals(3, r.records());
      assertEquals(1, p.rejected());
    }
  }

  @Test
  void next_lineAtMaxBytes_acceptedEvenWithCr_oneMoreTooLong() throws IOException {
    int max = OK.length();
    ExchangeParser p =
        ExchangeParser.builder()
            .clock(Clock.fixed(ExchangeParserTest.NOW, ZoneOffset.UTC))
            .maxLineBytes(max)
            .build();
    String tooLong = OK.substring(0, OK.length() - 1) + " }";
    String input = OK + "\r\n" + OK + "\n" + tooLong + "\n" + tooLong + "\r\n";
    try (JsonLinesReader r =
        new JsonLinesReader(
            new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), p)) {
      List<ParseResult> results = readAll(r);
      assertEquals(
          List.of(true, true, false, false),
          results.stream().map(ParseResult::isAccepted).toList());
      assertEquals(RejectReason.TOO_LONG, results.get(3).rejection().reason());
      assertTrue(results.get(3).rejection().rawLine().endsWith("(" + (max + 1) + " bytes)"));
    }
  }

  @Test
  void open_file_readsEveryLine(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("in.jsonl");
    Files.write(file, mixedInput());
    ExchangeParser p = parser();
    try (JsonLinesReader r = JsonLinesReader.open(file, p)) {
      assertEquals(5, readAll(r).size());
      assertEquals(5, r.records());
    }
  }

  @Test
  void next_emptyInput_noRecords() throws IOException {
    try (JsonLinesReader r =
        new JsonLinesReader(new java.io.ByteArrayInputStream(new byte[0]), parser())) {
      assertNull(r.next());
      assertEquals(0, r.records());
    }
  }
}
