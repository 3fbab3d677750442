/** Retry settings of an integration (its definition's `retry`, with defaults). */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelaySeconds: number;
  readonly maxDelaySeconds: number;
  /** Time budget (s) from the run's creation for any further attempt. */
  readonly maxElapsedSeconds: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  initialDelaySeconds: 2,
  maxDelaySeconds: 600,
  maxElapsedSeconds: 86_400,
};

/**
 * When attempt `attempt + 1` may start: exponential backoff with full jitter over the upper half,
 * and never before a rate limit's `retryAt`.
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  attempt: number,
  retryAt?: Date,
  now = Date.now(),
  random = Math.random,
): Date {
  const base = Math.min(
    policy.maxDelaySeconds,
    policy.initialDelaySeconds * 2 ** Math.max(0, attempt - 1),
  );
  const delayMs = base * 1000 * (0.5 + random() * 0.5);
  const at = now + delayMs;
  return new Date(retryAt && retryAt.getTime() > at ? retryAt.getTime() : at);
}
