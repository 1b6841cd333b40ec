package io.distillwatch.core.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertCodecTest {
  static byte[] bytes(Alert... alerts) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    for (Alert a : alerts) {
      AlertCodec.write(a, out);
    }
    return bytes.toByteArray();
  }

  @Test
  void read_accountAndClusterAlerts_roundTripWithOrderAndExactDoubles() throws IOException {
    AccountAlert unicode =
        new AccountAlert(
            "account:ακ😀:1",
            "ακ😀",
            -1,
            Math.nextDown(1.0),
            0,
            Map.of(),
            List.of("\u0000 \ud800 lone surrogate"));
    Alert[] alerts = {AlertJsonTest.ACCOUNT, AlertJsonTest.CLUSTER, unicode};
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes(alerts)));
    for (Alert a : alerts) {
      Alert back = AlertCodec.read(in);
      assertEquals(a, back);
      assertEquals(AlertJson.toJson(a), AlertJson.toJson(back), "order of maps kept");
    }
    assertEquals(0, in.available());
  }

  @Test
  void read_truncated_throws() throws IOException {
    byte[] b = bytes(AlertJsonTest.CLUSTER);
    for (int n = 0; n < b.length; n++) {
      byte[] cut = Arrays.copyOf(b, n);
      assertThrows(
          IOException.class,
          () -> AlertCodec.read(new DataInputStream(new ByteArrayInputStream(cut))),
          "cut at " + n);
    }
  }

  @Test
  void read_unknownKindOrVersion_throws() throws IOException {
    byte[] b = bytes(AlertJsonTest.ACCOUNT);
    assertThrows(
        IOException.class,
        () -> AlertCodec.read(new DataInputStream(new ByteArrayInputStream(b)), 2));
    b[0] = 5;
    assertThrows(
        IOException.class, () -> AlertCodec.read(new DataInputStream(new ByteArrayInputStream(b))));
  }

  @Test
  void read_invalidScore_failsAsCorruptNotAsWrongAlert() throws IOException {
    byte[] b = bytes(AlertJsonTest.ACCOUNT);
    // kind(1) + "a-1"(1+3) + "acct-7"(1+6) + detectedAt(8): the score's first byte is next.
    b[1 + 4 + 7 + 8] = (byte) 0x7F; // a huge positive double, outside [0, 1]
    assertThrows(
        IOException.class, () -> AlertCodec.read(new DataInputStream(new ByteArrayInputStream(b))));
  }
}
