package io.distillwatch.core.sketch;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.function.Function;

/**
 * Kryo 5 serializers for the sketches. Each writes the sketch's versioned {@code toBytes()} form
 * (length-prefixed), so Kryo state (e.g. Flink checkpoints) carries the same checked, versioned
 * layout as everything else and survives upgrades that keep reading old versions.
 */
public final class SketchKryo {
  private SketchKryo() {}

  /**
   * Registers serializers for {@link HyperLogLog}, {@link CountMinSketch}, {@link SpaceSaving},
   * {@link MinHash}.
   */
  public static void register(Kryo kryo) {
    kryo.register(
        HyperLogLog.class,
        new BytesSerializer<>(HyperLogLog::toBytes, HyperLogLog::fromBytes, HyperLogLog::copy));
    kryo.register(
        CountMinSketch.class,
        new BytesSerializer<>(
            CountMinSketch::toBytes, CountMinSketch::fromBytes, CountMinSketch::copy));
    kryo.register(
        SpaceSaving.class,
        new BytesSerializer<>(SpaceSaving::toBytes, SpaceSaving::fromBytes, SpaceSaving::copy));
    kryo.register(
        MinHash.class, new BytesSerializer<>(MinHash::toBytes, MinHash::fromBytes, MinHash::copy));
  }

  /** Writes {@code varint length, bytes}; sketches are mutable, so {@link #copy} deep-copies. */
  static final class BytesSerializer<T> extends Serializer<T> {
    private final Function<T, byte[]> toBytes;
    private final Function<byte[], T> fromBytes;
    private final Function<T, T> copier;

    BytesSerializer(
        Function<T, byte[]> toBytes, Function<byte[], T> fromBytes, Function<T, T> copier) {
      super(false, false);
      this.toBytes = toBytes;
      this.fromBytes = fromBytes;
      this.copier = copier;
    }

    @Override
    public void write(Kryo kryo, Output output, T sketch) {
      byte[] bytes = toBytes.apply(sketch);
      output.writeVarInt(bytes.length, true);
      output.writeBytes(bytes);
    }

    @Override
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
      int length = input.readVarInt(true);
      return fromBytes.apply(input.readBytes(length));
    }

    @Override
    public T copy(Kryo kryo, T original) {
      return copier.apply(original);
    }
  }
}
