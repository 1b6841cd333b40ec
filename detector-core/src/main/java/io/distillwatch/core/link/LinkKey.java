package io.distillwatch.core.link;

/**
 * Kinds of evidence that two accounts are run by one operator. Whether a shared key of a kind can
 * join two accounts into one cluster, and how rare it must be to do so, is part of the kind.
 */
public enum LinkKey {
  /** The payment instrument behind the account: people rarely fund many accounts with one card. */
  PAYMENT("payment_fingerprint", true),
  /**
   * LSH band key of the account's set of rare templates: accounts filling the same templates.
   * Common templates (an IDE's system prompt) are kept out of the set before it is hashed.
   */
  TEMPLATE_SET("template_set", true),
  /** One template hash; shown as a shared indicator, never a link by itself. */
  TEMPLATE("template_hash", false),
  /** One client IP; a NAT makes this weak, so it is an indicator, not a link. */
  IP("ip", false),
  /** The IPv4 /24 (or IPv6 /48) prefix. */
  SUBNET("ip_prefix", false),
  /** Autonomous system together with user agent. */
  NETWORK_AGENT("asn_user_agent", false);

  private static final LinkKey[] VALUES = values();

  private final String wireName;
  private final boolean joins;

  LinkKey(String wireName, boolean joins) {
    this.wireName = wireName;
    this.joins = joins;
  }

  /** The name used in a cluster alert's {@code shared_indicators}. */
  public String wireName() {
    return wireName;
  }

  /** Whether a shared key of this kind, rare enough, joins two accounts into one cluster. */
  public boolean joins() {
    return joins;
  }

  static LinkKey ofOrdinal(int ordinal) {
    return VALUES[ordinal];
  }
}
