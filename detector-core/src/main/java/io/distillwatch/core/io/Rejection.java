package io.distillwatch.core.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * One input record that was not accepted, with the reason, a plain sentence naming the field and
 * what is wrong (e.g. {@code "output_tokens is negative (-5)"}), and the raw line as text.
 *
 * <p>The raw line is decoded as UTF-8 with invalid bytes replaced by U+FFFD, so it is always valid
 * text; a line longer than the maximum is kept as a prefix followed by {@code "...(N bytes)"}.
 *
 * @param reason why the record was rejected
 * @param message a plain sentence naming the field and the problem
 * @param rawLine the offending line (possibly truncated), never null
 */
public record Rejection(RejectReason reason, String message, String rawLine) {

  /** Writers only; a JsonFactory is thread-safe once configured. */
  private static final JsonFactory JSON = new JsonFactory();

  public Rejection {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(rawLine, "rawLine");
  }

  /** Writes {@code {"reason":"missing_field","message":"...","raw":"..."}} to the generator. */
  public void write(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("reason", reason.wireName());
    g.writeStringField("message", message);
    g.writeStringField("raw", rawLine);
    g.writeEndObject();
  }

  /** This rejection as one JSON line (no trailing newline). */
  public String toJson() {
    StringWriter out = new StringWriter(64 + message.length() + rawLine.length());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
