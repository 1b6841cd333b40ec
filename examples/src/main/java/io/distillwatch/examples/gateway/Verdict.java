package io.distillwatch.examples.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.io.Rejection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * The gateway's answer to one request: an HTTP status and a small JSON body.
 *
 * <ul>
 *   <li>{@value #SERVED} served: {@code {"status":"served"}}.
 *   <li>{@value #REFUSED} refused, the account is flagged: {@code
 *       {"status":"refused","alert_id":..,"kind":"account"|"cluster","score":..,"detected_at":..,
 *       "reasons":[..]}}, the alert that flagged it.
 *   <li>{@value #BAD_REQUEST} the metadata is not a valid exchange: {@code
 *       {"status":"rejected","reason":"missing_field","message":..}}.
 * </ul>
 */
public final class Verdict {
  public static final int SERVED = 200;
  public static final int BAD_REQUEST = 400;
  public static final int REFUSED = 429;

  private static final JsonFactory JSON = new JsonFactory();
  private static final Verdict SERVED_VERDICT =
      new Verdict(SERVED, "{\"status\":\"served\"}".getBytes(StandardCharsets.UTF_8));

  private final int status;
  private final byte[] body;

  private Verdict(int status, byte[] body) {
    this.status = status;
    this.body = Objects.requireNonNull(body, "body");
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }

  /** The JSON body as UTF-8 bytes, a copy. */
  public byte[] body() {
    return body.clone();
  }

  /** The body itself, for the server: never to be modified. */
  byte[] bytes() {
    return body;
  }

  /** The answer for a request that may go on to the model. */
  public static Verdict served() {
    return SERVED_VERDICT;
  }

  /** The answer for every request of an account flagged by {@code alert}. */
  public static Verdict refused(Alert alert) {
    return new Verdict(
        REFUSED,
        json(
            g -> {
              g.writeStringField("status", "refused");
              g.writeStringField("alert_id", alert.alertId());
              g.writeStringField("kind", alert.kind().name().toLowerCase(Locale.ROOT));
              g.writeNumberField("score", alert.score());
              g.writeNumberField("detected_at", alert.detectedAt());
              g.writeArrayFieldStart("reasons");
              for (String r : alert.reasons()) {
                g.writeString(r);
              }
              g.writeEndArray();
            }));
  }

  /** The answer for metadata the parser rejected; the raw body is not echoed back. */
  public static Verdict rejected(Rejection rejection) {
    return new Verdict(
        BAD_REQUEST,
        json(
            g -> {
              g.writeStringField("status", "rejected");
              g.writeStringField("reason", rejection.reason().wireName());
              g.writeStringField("message", rejection.message());
            }));
  }

  /** The JSON body as text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] json(Fields fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
