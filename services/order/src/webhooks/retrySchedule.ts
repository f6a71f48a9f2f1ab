/** How failed deliveries are retried: exponential backoff with jitter, then given up. */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** Spread of the jitter around the computed delay: ±20 %. */
const JITTER = 0.2;

/**
 * The pause after the `attempts`-th failed attempt (1-based): base * 2^(attempts-1),
 * capped at maxMs, then ±20 % jitter (still capped, and at least 1 ms), so the deliveries
 * of one outage do not all come back in the same instant. `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, random: number): number {
  const exponent = Math.max(0, attempts - 1);
  // 2^exponent overflows to Infinity for huge exponents; min() still caps it.
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 1024));
  const jittered = ceiling * (1 - JITTER + 2 * JITTER * random);
  return Math.max(1, Math.min(policy.maxMs, Math.round(jittered)));
}

/** What an attempt came to: an answer (its status code), or no answer (refused, timed out, not allowed). */
export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
}

export type Outcome =
  | { result: 'delivered'; status: 'delivered'; attempts: number; deliveredAt: Date }
  | { result: 'retry'; status: 'pending'; attempts: number; nextAttemptAt: Date }
  | { result: 'failed'; status: 'failed'; attempts: number };

export const succeeded = (attempt: AttemptResult) => attempt.error === null && attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;

/**
 * What becomes of a delivery after attempt number `attempts` (1-based) ended as `attempt`
 * at `now`: delivered on a 2xx, else retried later, until `maxAttempts` have been made.
 */
export function decideOutcome(attempt: AttemptResult, attempts: number, now: Date, policy: RetryPolicy, random: number): Outcome {
  if (succeeded(attempt)) return { result: 'delivered', status: 'delivered', attempts, deliveredAt: now };
  if (attempts >= policy.maxAttempts) return { result: 'failed', status: 'failed', attempts };
  return { result: 'retry', status: 'pending', attempts, nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts, policy, random)) };
}
