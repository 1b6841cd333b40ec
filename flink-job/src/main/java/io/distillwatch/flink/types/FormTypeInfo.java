package io.distillwatch.flink.types;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Type information of a type with a {@link FormSerializer}: Flink never falls back to Kryo. */
public final class FormTypeInfo<T> extends TypeInformation<T> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final FormSerializer<T> serializer;

  public FormTypeInfo(Class<T> type, FormSerializer<T> serializer) {
    this.type = type;
    this.serializer = serializer;
  }

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<T> getTypeClass() {
    return type;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return serializer;
  }

  @Override
  public String toString() {
    return type.getSimpleName() + " via " + serializer.getClass().getSimpleName();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FormTypeInfo<?> other
        && other.canEqual(this)
        && type == other.type
        && serializer.equals(other.serializer);
  }

  @Override
  public int hashCode() {
    return 31 * type.hashCode() + serializer.hashCode();
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof FormTypeInfo;
  }
}
