/**
 * The detector's output: {@link io.distillwatch.core.alert.Alert}s about one account or a cluster
 * of linked accounts, and {@link io.distillwatch.core.alert.AlertJson}, which writes them as JSON
 * lines in the fixed output contract and reads them back strictly, so tests and tools can check
 * emitted alerts against the contract.
 */
package io.distillwatch.core.alert;
