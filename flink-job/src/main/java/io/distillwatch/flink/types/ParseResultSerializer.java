package io.distillwatch.flink.types;

import io.distillwatch.core.io.ExchangeCodec;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.core.io.RejectReason;
import io.distillwatch.core.io.Rejection;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * {@link ParseResult}s, what the job's sources emit: an accepted exchange or a rejection. Results
 * are immutable: never copied.
 *
 * <p>They pass only from the source to the parse stage chained to it, so in practice they are never
 * serialized; the serializer is there so that Flink needs no generic (Kryo) one, and so that a
 * broken chain or a test harness still works.
 *
 * <p>Form 1:
 *
 * <pre>
 * byte    0 accepted, 1 rejected
 * accepted: the exchange in {@link ExchangeCodec}'s form 1
 * rejected: string reason (its wire name), string message, string raw line
 * string: Flink's {@link StringValue} form (any length, any Java string)
 * </pre>
 *
 * A new exchange form needs a new form here.
 */
public final class ParseResultSerializer extends FormSerializer<ParseResult> {
  private static final long serialVersionUID = 1L;

  /** Version of the form {@link #write} writes. */
  public static final int FORM_VERSION = 1;

  /** The exchange form inside form 1. */
  static final int EXCHANGE_FORM = 1;

  private static final int ACCEPTED = 0;
  private static final int REJECTED = 1;

  public ParseResultSerializer() {
    this(FORM_VERSION);
  }

  private ParseResultSerializer(int readVersion) {
    super(readVersion);
  }

  @Override
  public int currentVersion() {
    return FORM_VERSION;
  }

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  protected void write(ParseResult value, DataOutputView out) throws IOException {
    if (value instanceof ParseResult.Accepted accepted) {
      out.writeByte(ACCEPTED);
      ExchangeCodec.write(accepted.exchange(), out);
    } else {
      Rejection r = value.rejection();
      out.writeByte(REJECTED);
      StringValue.writeString(r.reason().wireName(), out);
      StringValue.writeString(r.message(), out);
      StringValue.writeString(r.rawLine(), out);
    }
  }

  @Override
  protected ParseResult read(DataInputView in, int version) throws IOException {
    if (version != FORM_VERSION) {
      throw new IOException("unknown parse result form version " + version + " (known: 1)");
    }
    int kind = in.readUnsignedByte();
    switch (kind) {
      case ACCEPTED:
        return new ParseResult.Accepted(ExchangeCodec.read(in, EXCHANGE_FORM));
      case REJECTED:
        String wireName = StringValue.readString(in);
        RejectReason reason;
        try {
          reason = RejectReason.fromWireName(wireName);
        } catch (IllegalArgumentException e) {
          throw new IOException("corrupt parse result: " + e.getMessage(), e);
        }
        String message = StringValue.readString(in);
        String raw = StringValue.readString(in);
        return new ParseResult.Rejected(new Rejection(reason, message, raw));
      default:
        throw new IOException("corrupt parse result: kind " + kind + " is neither 0 nor 1");
    }
  }

  @Override
  protected FormSerializer<ParseResult> readingVersion(int version) {
    return new ParseResultSerializer(version);
  }

  @Override
  protected FormSerializerSnapshot<ParseResult> newSnapshot() {
    return new Snapshot();
  }

  /** Records the parse result form version. */
  public static final class Snapshot extends FormSerializerSnapshot<ParseResult> {
    public Snapshot() {
      super(ParseResultSerializer::new);
    }
  }
}
