package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyHashesTest {

  private static String ipv4(int a, int b, int c, int d) {
    return a + "." + b + "." + c + "." + d;
  }

  /**
   * Differential against the exact prefix: over random addresses, two hashes are equal exactly when
   * the /24 prefixes are (a 64-bit collision among 4,096 prefixes has probability 1e-11).
   */
  @Test
  void subnetHash_randomIpv4_equalExactlyWithinOneSlash24() {
    SplittableRandom r = new SplittableRandom(24);
    Map<Integer, Long> hashOfPrefix = new HashMap<>();
    Set<Long> distinct = new HashSet<>();
    for (int i = 0; i < 60_000; i++) {
      // A small pool of prefixes, so that most draws revisit one.
      int a = r.nextInt(256);
      int b = r.nextInt(4);
      int c = r.nextInt(4);
      int d = r.nextInt(256);
      long h = KeyHashes.subnetHash(ipv4(a, b, c, d));
      assertNotEquals(0, h, ipv4(a, b, c, d));
      Long previous = hashOfPrefix.putIfAbsent((a << 16) | (b << 8) | c, h);
      if (previous == null) {
        assertTrue(distinct.add(h), "two /24s share a hash at " + ipv4(a, b, c, d));
      } else {
        assertEquals(previous, h, ipv4(a, b, c, d));
      }
    }
    assertEquals(256 * 16, hashOfPrefix.size(), "every prefix drawn");
  }

  @Test
  void subnetHash_neighbouringSlash24s_differ() {
    assertEquals(KeyHashes.subnetHash("10.1.2.3"), KeyHashes.subnetHash("10.1.2.254"));
    assertEquals(KeyHashes.subnetHash("0.0.0.0"), KeyHashes.subnetHash("0.0.0.255"));
    assertNotEquals(KeyHashes.subnetHash("10.1.2.3"), KeyHashes.subnetHash("10.1.3.3"));
    assertNotEquals(KeyHashes.subnetHash("10.1.2.3"), KeyHashes.subnetHash("10.2.2.3"));
    assertNotEquals(KeyHashes.subnetHash("10.1.2.3"), KeyHashes.subnetHash("11.1.2.3"));
    // Octets are numbers, not text: "1.12.3" and "11.2.3" must not be confused.
    assertNotEquals(KeyHashes.subnetHash("1.12.3.4"), KeyHashes.subnetHash("11.2.3.4"));
    assertNotEquals(KeyHashes.subnetHash("1.2.34.5"), KeyHashes.subnetHash("1.23.4.5"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "abc",
        "1.2",
        "1.2.3",
        "999.1.1.1",
        "1.256.1.1",
        "1.2.300.4",
        "1,2,3,4",
        "a.b.c.d",
        "1.2.x.4",
        " 1.2.3.4",
        "-1.2.3.4",
        "1..3"
      })
  void subnetHash_garbage_returnsZero(String ip) {
    assertEquals(0, KeyHashes.subnetHash(ip), ip);
  }

  @Test
  void subnetHash_null_returnsZero() {
    assertEquals(0, KeyHashes.subnetHash(null));
  }

  /**
   * The contract says unparsable addresses give 0; the parser returns at the third dot, so anything
   * after the /24 prefix is accepted unread.
   */
  @ParameterizedTest
  @ValueSource(strings = {"1.2.3.999", "1.2.3.abc", "1.2.3.", "1.2.3.4.5", "1.2.3.4/24", "1.2..4"})
  void subnetHash_invalidAfterPrefix_returnsZero(String ip) {
    assertEquals(0, KeyHashes.subnetHash(ip), ip);
  }

  @Test
  void subnetHash_ipv6SameSlash48_equal() {
    long h = KeyHashes.subnetHash("2001:db8:1234:5678::1");
    assertNotEquals(0, h);
    assertEquals(h, KeyHashes.subnetHash("2001:db8:1234::1"));
    assertEquals(h, KeyHashes.subnetHash("2001:db8:1234:ffff:ffff:ffff:ffff:ffff"));
    assertEquals(h, KeyHashes.subnetHash("2001:db8:1234:0:0:0:0:0"));
    SplittableRandom r = new SplittableRandom(48);
    for (int i = 0; i < 1_000; i++) {
      String host =
          Integer.toHexString(r.nextInt(1 << 16)) + ":" + Integer.toHexString(r.nextInt(1 << 16));
      assertEquals(h, KeyHashes.subnetHash("2001:db8:1234:" + host + "::" + i), host);
    }
  }

  @Test
  void subnetHash_ipv6DifferentSlash48_differ() {
    Set<Long> seen = new HashSet<>();
    for (int g = 0; g < 1_000; g++) {
      String prefix = "2001:db8:" + Integer.toHexString(g);
      assertTrue(seen.add(KeyHashes.subnetHash(prefix + ":1::1")), prefix);
    }
    assertNotEquals(KeyHashes.subnetHash("2001:db8:1::1"), KeyHashes.subnetHash("2001:db9:1::1"));
    assertNotEquals(KeyHashes.subnetHash("2001:db8:1::1"), KeyHashes.subnetHash("2002:db8:1::1"));
    // IPv4 and IPv6 never share a hash space.
    assertNotEquals(KeyHashes.subnetHash("1.2.3.4"), KeyHashes.subnetHash("1:2:3::4"));
  }

  /**
   * The same /48 written in other valid forms (RFC 5952 compression inside the first three groups,
   * leading zeros, upper case) must hash alike; and IPv4-mapped addresses from different /24s must
   * not all collapse into one "subnet". The hash is of the text up to the third colon instead.
   */
  @Test
  void subnetHash_ipv6EquivalentForms_equalAndMappedIpv4Distinct() {
    assertEquals(KeyHashes.subnetHash("2001:db8:0:1::1"), KeyHashes.subnetHash("2001:db8::1"));
    assertEquals(KeyHashes.subnetHash("2001:0:0:1::1"), KeyHashes.subnetHash("2001::2"));
    assertEquals(KeyHashes.subnetHash("2001:db8:1::1"), KeyHashes.subnetHash("2001:0db8:0001::1"));
    assertEquals(KeyHashes.subnetHash("2001:db8:1::1"), KeyHashes.subnetHash("2001:DB8:1::1"));
    assertNotEquals(KeyHashes.subnetHash("::ffff:1.2.3.4"), KeyHashes.subnetHash("::ffff:9.9.9.9"));
  }

  @Test
  void compute_exchangeWithAndWithoutFields_hashesNonZeroExactlyWhenPresent() {
    Exchange full =
        Exchange.builder(1_000, "acct")
            .orgId("org")
            .paymentFingerprint("card")
            .templateHash("t")
            .promptHash("p")
            .ip("10.0.0.1")
            .asn("AS1")
            .userAgent("ua")
            .model("m")
            .build();
    KeyHashes h = new KeyHashes();
    h.compute(full);
    long[] all = {h.org, h.payment, h.template, h.prompt, h.ip, h.subnet, h.asn, h.networkAgent};
    for (long v : all) {
      assertNotEquals(0, v);
    }
    assertNotEquals(0, h.model);
    assertEquals(KeyHashes.subnetHash("10.0.0.1"), h.subnet);

    // The instance is reused: absent fields must reset to 0, not keep the last exchange's hash.
    h.compute(Exchange.builder(2_000, "acct").build());
    long[] none = {h.org, h.payment, h.template, h.prompt, h.ip, h.subnet, h.asn, h.networkAgent};
    for (long v : none) {
      assertEquals(0, v);
    }
    assertEquals(0, h.model);
  }
}
