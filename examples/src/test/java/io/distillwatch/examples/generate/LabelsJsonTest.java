package io.distillwatch.examples.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelsJsonTest {
  private static final Labels LABELS =
      new Labels(
          42,
          0.01,
          1_776_211_200_000L,
          1_780_876_800_000L,
          List.of(
              new Labels.Campaign(
                  "hydra-28m",
                  false,
                  1_776_816_000_123L,
                  1_780_617_599_000L,
                  3,
                  List.of("acct-1"))),
          List.of(new Labels.Benign("enterprise-batch", true, List.of("acct-2", "acct-3"))));

  @Test
  void write_thenRead_roundTrips() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LabelsJson.write(LABELS, out);
    assertEquals(LABELS, LabelsJson.read(new ByteArrayInputStream(out.toByteArray())));
  }

  @Test
  void write_documentedShape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LabelsJson.write(LABELS, out);
    assertEquals(
        "{\"seed\":42,\"scale\":0.01,\"start\":1776211200000,\"end\":1780876800000,"
            + "\"campaigns\":[{\"name\":\"hydra-28m\",\"low_and_slow\":false,"
            + "\"start\":1776816000123,\"end\":1780617599000,\"exchanges\":3,"
            + "\"accounts\":[\"acct-1\"]}],"
            + "\"benign\":[{\"archetype\":\"enterprise-batch\",\"hard_negative\":true,"
            + "\"accounts\":[\"acct-2\",\"acct-3\"]}]}\n",
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void read_unknownFields_skipped() throws IOException {
    String json =
        "{\"version\":2,\"seed\":1,\"extra\":{\"a\":[1,2]},\"campaigns\":[{\"name\":\"x\","
            + "\"accounts\":[\"acct-9\"],\"note\":\"n\"}],\"benign\":[]}";
    Labels l = LabelsJson.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    assertEquals(1, l.seed());
    assertEquals(List.of("acct-9"), l.campaigns().get(0).accounts());
  }
}
