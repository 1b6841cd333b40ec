package io.distillwatch.core.alert;

/** What an alert is about: one account, or a cluster of linked accounts. */
public enum AlertKind {
  ACCOUNT,
  CLUSTER
}
