package io.distillwatch.examples.generate;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes {@link Labels} as one JSON object:
 *
 * <pre>{@code
 * {"seed":42,"scale":0.01,"start":<ms>,"end":<ms>,
 *  "campaigns":[{"name":"hydra-28m","low_and_slow":false,"start":<ms first exchange>,
 *                "end":<ms last exchange>,"exchanges":<n>,"accounts":["acct-..",..]},..],
 *  "benign":[{"archetype":"enterprise-batch","hard_negative":true,"accounts":[..]},..]}
 * }</pre>
 *
 * Unknown fields are skipped on reading, so later versions may add fields.
 */
public final class LabelsJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private LabelsJson() {}

  public static void write(Labels labels, Path path) throws IOException {
    try (OutputStream out = Files.newOutputStream(path)) {
      write(labels, out);
    }
  }

  /** Writes the labels to the stream (not closed). */
  public static void write(Labels labels, OutputStream out) throws IOException {
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      g.writeStartObject();
      g.writeNumberField("seed", labels.seed());
      g.writeNumberField("scale", labels.scale());
      g.writeNumberField("start", labels.start());
      g.writeNumberField("end", labels.end());
      g.writeArrayFieldStart("campaigns");
      for (Labels.Campaign c : labels.campaigns()) {
        g.writeStartObject();
        g.writeStringField("name", c.name());
        g.writeBooleanField("low_and_slow", c.lowAndSlow());
        g.writeNumberField("start", c.start());
        g.writeNumberField("end", c.end());
        g.writeNumberField("exchanges", c.exchanges());
        writeAccounts(g, c.accounts());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("benign");
      for (Labels.Benign b : labels.benign()) {
        g.writeStartObject();
        g.writeStringField("archetype", b.archetype());
        g.writeBooleanField("hard_negative", b.hardNegative());
        writeAccounts(g, b.accounts());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeRaw('\n');
    }
  }

  public static Labels read(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return read(in);
    }
  }

  /** Reads labels from the stream (not closed). */
  public static Labels read(InputStream in) throws IOException {
    try (JsonParser p = FACTORY.createParser(in)) {
      p.configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, false);
      expect(p, p.nextToken(), JsonToken.START_OBJECT);
      long seed = 0;
      double scale = 0;
      long start = 0;
      long end = 0;
      List<Labels.Campaign> campaigns = new ArrayList<>();
      List<Labels.Benign> benign = new ArrayList<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "seed" -> seed = p.getLongValue();
          case "scale" -> scale = p.getDoubleValue();
          case "start" -> start = p.getLongValue();
          case "end" -> end = p.getLongValue();
          case "campaigns" -> {
            expect(p, t, JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
              campaigns.add(readCampaign(p));
            }
          }
          case "benign" -> {
            expect(p, t, JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
              benign.add(readBenign(p));
            }
          }
          default -> p.skipChildren();
        }
      }
      return new Labels(seed, scale, start, end, campaigns, benign);
    }
  }

  private static Labels.Campaign readCampaign(JsonParser p) throws IOException {
    String name = null;
    boolean lowAndSlow = false;
    long start = 0;
    long end = 0;
    long exchanges = 0;
    List<String> accounts = List.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "name" -> name = p.getText();
        case "low_and_slow" -> lowAndSlow = p.getBooleanValue();
        case "start" -> start = p.getLongValue();
        case "end" -> end = p.getLongValue();
        case "exchanges" -> exchanges = p.getLongValue();
        case "accounts" -> accounts = readAccounts(p);
        default -> p.skipChildren();
      }
    }
    return new Labels.Campaign(name, lowAndSlow, start, end, exchanges, accounts);
  }

  private static Labels.Benign readBenign(JsonParser p) throws IOException {
    String archetype = null;
    boolean hardNegative = false;
    List<String> accounts = List.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "archetype" -> archetype = p.getText();
        case "hard_negative" -> hardNegative = p.getBooleanValue();
        case "accounts" -> accounts = readAccounts(p);
        default -> p.skipChildren();
      }
    }
    return new Labels.Benign(archetype, hardNegative, accounts);
  }

  private static List<String> readAccounts(JsonParser p) throws IOException {
    expect(p, p.currentToken(), JsonToken.START_ARRAY);
    List<String> out = new ArrayList<>();
    while (p.nextToken() == JsonToken.VALUE_STRING) {
      out.add(p.getText());
    }
    return out;
  }

  private static void writeAccounts(JsonGenerator g, List<String> accounts) throws IOException {
    g.writeArrayFieldStart("accounts");
    for (String a : accounts) {
      g.writeString(a);
    }
    g.writeEndArray();
  }

  private static void expect(JsonParser p, JsonToken actual, JsonToken expected)
      throws IOException {
    if (actual != expected) {
      throw new IOException(
          "labels: expected " + expected + " but found " + actual + " at " + p.currentLocation());
    }
  }
}
