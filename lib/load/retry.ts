/**
 * Retrying an operation on transient errors (serialization failures, deadlocks), with each
 * retry reported to a sink (the load harness's per-operation context) so retries are counted
 * separately from failures: an operation that succeeds after two retries is one success and
 * two retries; one that runs out of retries is one failure (plus its retries).
 *
 * @module
 */

import { classifyError, type ErrorClass, type ErrorClassifier } from "./errors.ts";
import { requireNonNegative, requireNonNegativeInt } from "./validate.ts";

/** Something that counts retries; the `ctx` passed to operations by the load runners is one. */
export interface RetrySink {
  /** Called once per retry with the class of the error that caused it. */
  retry(cls: ErrorClass): void;
}

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Maximum number of retries after the first attempt (0 = no retry). */
  maxRetries: number;
  /** Classes to retry, or a predicate; default serialization_failure and deadlock. */
  retryOn?: readonly ErrorClass[] | ((cls: ErrorClass, err: unknown) => boolean);
  /** Error classifier; default {@link classifyError}. */
  classify?: ErrorClassifier;
  /** Where retries are reported (e.g. the operation context). */
  sink?: RetrySink;
  /** Pause before retry n (1-based), in ms: a constant or a function; default none. */
  backoffMs?: number | ((retry: number) => number);
}

const DEFAULT_RETRY_ON: readonly ErrorClass[] = ["serialization_failure", "deadlock"];

/**
 * Runs `fn(attempt)` (attempt 0 first) and retries it while it throws a retryable error and
 * retries remain; rethrows the last error otherwise.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T> | T,
  opts: RetryOptions,
): Promise<T> {
  const maxRetries = requireNonNegativeInt("withRetry", "maxRetries", opts.maxRetries);
  const classify = opts.classify ?? classifyError;
  const retryOn = opts.retryOn ?? DEFAULT_RETRY_ON;
  const shouldRetry = typeof retryOn === "function"
    ? retryOn
    : (cls: ErrorClass) => retryOn.includes(cls);
  for (let attempt = 0;; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= maxRetries) throw err;
      const cls = classify(err);
      if (!shouldRetry(cls, err)) throw err;
      opts.sink?.retry(cls);
      const b = opts.backoffMs;
      const wait = typeof b === "function" ? b(attempt + 1) : b ?? 0;
      if (wait > 0) {
        requireNonNegative("withRetry", "backoffMs", wait);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
