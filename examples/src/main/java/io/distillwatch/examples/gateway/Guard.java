package io.distillwatch.examples.gateway;

/**
 * Decides whether one request may go on to the model, from its metadata. {@link DetectorGuard} is
 * the one that detects extraction; a guard that always answers {@link Verdict#served()} is the
 * gateway without detection (the benchmark's baseline).
 *
 * <p>The gateway calls {@link #check} from several threads at once; an implementation must be
 * thread-safe.
 */
@FunctionalInterface
public interface Guard {
  /**
   * The verdict for one request.
   *
   * @param body the request body, an exchange in the JSON input schema, UTF-8
   * @param length bytes of {@code body} that are the request, from index 0
   */
  Verdict check(byte[] body, int length);
}
