package io.distillwatch.core.detect;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Kryo 5 serializer for {@link ExtractionDetector}: writes the detector's versioned, checksummed
 * snapshot ({@link ExtractionDetector#snapshot}) length-prefixed, so Kryo state carries the same
 * layout as a snapshot file. The configuration is not serialized: the one given to {@link
 * #register} is used on read, with the rules of {@link ExtractionDetector#restore}.
 */
public final class DetectorKryo {
  private DetectorKryo() {}

  /** Registers the {@link ExtractionDetector} serializer, restoring with {@code config}. */
  public static void register(Kryo kryo, DetectorConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("config must not be null");
    }
    kryo.register(ExtractionDetector.class, new DetectorSerializer(config));
  }

  /** Writes {@code varint length, snapshot bytes}; a corrupt snapshot is a KryoException. */
  static final class DetectorSerializer extends Serializer<ExtractionDetector> {
    private final DetectorConfig config;

    DetectorSerializer(DetectorConfig config) {
      super(false, false);
      this.config = config;
    }

    @Override
    public void write(Kryo kryo, Output output, ExtractionDetector detector) {
      byte[] bytes = toBytes(detector);
      output.writeVarInt(bytes.length, true);
      output.writeBytes(bytes);
    }

    @Override
    public ExtractionDetector read(
        Kryo kryo, Input input, Class<? extends ExtractionDetector> type) {
      int length = input.readVarInt(true);
      return fromBytes(input.readBytes(length), config);
    }

    @Override
    public ExtractionDetector copy(Kryo kryo, ExtractionDetector original) {
      return fromBytes(toBytes(original), original.config());
    }

    private static byte[] toBytes(ExtractionDetector detector) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
      try {
        detector.snapshot(bytes);
      } catch (IOException e) {
        throw new KryoException("cannot snapshot detector", e);
      }
      return bytes.toByteArray();
    }

    private static ExtractionDetector fromBytes(byte[] bytes, DetectorConfig config) {
      try {
        return ExtractionDetector.restore(new ByteArrayInputStream(bytes), config);
      } catch (IOException e) {
        throw new KryoException("cannot restore detector: " + e.getMessage(), e);
      }
    }
  }
}
