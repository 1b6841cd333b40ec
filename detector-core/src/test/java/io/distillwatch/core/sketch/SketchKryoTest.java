package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SketchKryoTest {

  static Stream<Object> sketches() {
    return Stream.of(Golden.hll(), Golden.cms(), Golden.spaceSaving(), Golden.minHash());
  }

  @ParameterizedTest
  @MethodSource("sketches")
  void writeThenRead_throughKryo_returnsEqualSketch(Object sketch) {
    Kryo kryo = new Kryo();
    SketchKryo.register(kryo);
    Output output = new Output(64, -1);
    kryo.writeClassAndObject(output, sketch);
    kryo.writeObject(output, sketch);
    Input input = new Input(output.toBytes());
    Object back = kryo.readClassAndObject(input);
    assertEquals(sketch, back);
    assertEquals(sketch, kryo.readObject(input, sketch.getClass()));
    Object copy = kryo.copy(sketch);
    assertEquals(sketch, copy);
    assertNotSame(sketch, copy);
  }
}
