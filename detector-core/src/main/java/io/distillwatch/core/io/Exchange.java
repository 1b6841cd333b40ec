package io.distillwatch.core.io;

import java.util.Objects;

/**
 * One API exchange (a request and its response) as metadata only: never prompt or completion text.
 * This is the input contract of every module; see the JSON-lines schema in the README.
 *
 * <p>Optional text fields are {@code null} when absent; optional numbers are {@code 0} when absent
 * ({@code status} 0 means unknown); an absent category is {@link Category#OTHER}.
 *
 * @param timestamp event time, epoch milliseconds
 * @param accountId the API account (key) that made the request; never null or empty
 * @param orgId declared organisation, if any
 * @param ip client IP address as text (IPv4 or IPv6)
 * @param asn autonomous system of the client IP, e.g. {@code "AS13335"}
 * @param userAgent client user agent
 * @param paymentFingerprint hash of the payment instrument behind the account
 * @param model model name the request targeted
 * @param inputTokens prompt tokens, {@code >= 0}
 * @param outputTokens completion tokens, {@code >= 0}
 * @param templateHash hash of the prompt with its variable parts removed
 * @param promptHash hash of the full prompt
 * @param category capability asked for
 * @param reasoningRequested whether the prompt asks for step-by-step reasoning
 * @param toolCalls tool calls in the exchange, {@code >= 0}
 * @param status HTTP status of the response, 0 if unknown
 */
public record Exchange(
    long timestamp,
    String accountId,
    String orgId,
    String ip,
    String asn,
    String userAgent,
    String paymentFingerprint,
    String model,
    long inputTokens,
    long outputTokens,
    String templateHash,
    String promptHash,
    Category category,
    boolean reasoningRequested,
    int toolCalls,
    int status) {

  public Exchange {
    Objects.requireNonNull(accountId, "accountId");
    if (accountId.isEmpty()) {
      throw new IllegalArgumentException("accountId is empty");
    }
    if (inputTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("token counts must be >= 0");
    }
    if (toolCalls < 0) {
      throw new IllegalArgumentException("toolCalls must be >= 0");
    }
    if (category == null) {
      category = Category.OTHER;
    }
  }

  /** A builder starting from the given required fields. */
  public static Builder builder(long timestamp, String accountId) {
    return new Builder().timestamp(timestamp).accountId(accountId);
  }

  /** A builder holding this exchange's fields, to derive a modified copy. */
  public Builder toBuilder() {
    return new Builder()
        .timestamp(timestamp)
        .accountId(accountId)
        .orgId(orgId)
        .ip(ip)
        .asn(asn)
        .userAgent(userAgent)
        .paymentFingerprint(paymentFingerprint)
        .model(model)
        .inputTokens(inputTokens)
        .outputTokens(outputTokens)
        .templateHash(templateHash)
        .promptHash(promptHash)
        .category(category)
        .reasoningRequested(reasoningRequested)
        .toolCalls(toolCalls)
        .status(status);
  }

  /** Mutable builder of {@link Exchange}; every optional field defaults to absent. */
  public static final class Builder {
    private long timestamp;
    private String accountId;
    private String orgId;
    private String ip;
    private String asn;
    private String userAgent;
    private String paymentFingerprint;
    private String model;
    private long inputTokens;
    private long outputTokens;
    private String templateHash;
    private String promptHash;
    private Category category = Category.OTHER;
    private boolean reasoningRequested;
    private int toolCalls;
    private int status;

    private Builder() {}

    public Builder timestamp(long v) {
      this.timestamp = v;
      return this;
    }

    public Builder accountId(String v) {
      this.accountId = v;
      return this;
    }

    public Builder orgId(String v) {
      this.orgId = v;
      return this;
    }

    public Builder ip(String v) {
      this.ip = v;
      return this;
    }

    public Builder asn(String v) {
      this.asn = v;
      return this;
    }

    public Builder userAgent(String v) {
      this.userAgent = v;
      return this;
    }

    public Builder paymentFingerprint(String v) {
      this.paymentFingerprint = v;
      return this;
    }

    public Builder model(String v) {
      this.model = v;
      return this;
    }

    public Builder inputTokens(long v) {
      this.inputTokens = v;
      return this;
    }

    public Builder outputTokens(long v) {
      this.outputTokens = v;
      return this;
    }

    public Builder templateHash(String v) {
      this.templateHash = v;
      return this;
    }

    public Builder promptHash(String v) {
      this.promptHash = v;
      return this;
    }

    public Builder category(Category v) {
      this.category = v;
      return this;
    }

    public Builder reasoningRequested(boolean v) {
      this.reasoningRequested = v;
      return this;
    }

    public Builder toolCalls(int v) {
      this.toolCalls = v;
      return this;
    }

    public Builder status(int v) {
      this.status = v;
      return this;
    }

    public Exchange build() {
      return new Exchange(
          timestamp,
          accountId,
          orgId,
          ip,
          asn,
          userAgent,
          paymentFingerprint,
          model,
          inputTokens,
          outputTokens,
          templateHash,
          promptHash,
          category,
          reasoningRequested,
          toolCalls,
          status);
    }
  }
}
