package io.distillwatch.core.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * Writes exchanges as JSON lines in the input schema, field names in snake case, absent optional
 * fields omitted. The reading side, with validation and rejection reasons, is {@code
 * ExchangeParser}.
 */
public final class ExchangeJson {
  // A factory is costly to make (it builds symbol tables) and thread-safe once configured; this
  // one is never reconfigured. Supplementary characters are written as UTF-8, not as escaped
  // surrogate pairs, so toJsonBytes is exactly the UTF-8 encoding of toJson.
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

  private ExchangeJson() {}

  /** Writes one exchange as a JSON object (no trailing newline) to the generator. */
  public static void write(Exchange e, JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeNumberField("timestamp", e.timestamp());
    g.writeStringField("account_id", e.accountId());
    writeIfPresent(g, "org_id", e.orgId());
    writeIfPresent(g, "ip", e.ip());
    writeIfPresent(g, "asn", e.asn());
    writeIfPresent(g, "user_agent", e.userAgent());
    writeIfPresent(g, "payment_fingerprint", e.paymentFingerprint());
    writeIfPresent(g, "model", e.model());
    g.writeNumberField("input_tokens", e.inputTokens());
    g.writeNumberField("output_tokens", e.outputTokens());
    writeIfPresent(g, "template_hash", e.templateHash());
    writeIfPresent(g, "prompt_hash", e.promptHash());
    g.writeStringField("category", e.category().wireName());
    g.writeBooleanField("reasoning_requested", e.reasoningRequested());
    g.writeNumberField("tool_calls", e.toolCalls());
    if (e.status() != 0) {
      g.writeNumberField("status", e.status());
    }
    g.writeEndObject();
  }

  /** One exchange as a JSON string, for tests and small tools; not for hot paths. */
  public static String toJson(Exchange e) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(e, g);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toString();
  }

  /**
   * One exchange as the UTF-8 bytes of its JSON line (no newline), as a broker or a file holds it:
   * for generated sources, which then take the same parsing path as real input.
   */
  public static byte[] toJsonBytes(Exchange e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(320);
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      write(e, g);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toByteArray();
  }

  private static void writeIfPresent(JsonGenerator g, String name, String value)
      throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }
}
