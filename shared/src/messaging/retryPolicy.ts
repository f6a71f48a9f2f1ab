export interface RetryPolicy {
  /** Extra handler runs in process, with jittered backoff, before a transient failure is redelivered later. */
  immediateRetries: number;
  /** Delays of the delayed redeliveries, one per attempt after the first: e.g. [1000, 5000, 25000]. */
  delaysMs: readonly number[];
  /** Each delay is spread over delay x (1 - jitter), x 1, x (1 + jitter), through one retry queue each. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { immediateRetries: 2, delaysMs: [1000, 5000, 25000], jitter: 0.2 };

/** Deliveries a message gets before it goes to the error queue: the first and one per delay. */
export const maxDeliveries = (policy: RetryPolicy) => 1 + policy.delaysMs.length;

/** The TTLs of every retry queue the policy needs, one per jitter bucket of each delay. */
export function retryQueueDelays(policy: RetryPolicy): number[] {
  const buckets = policy.jitter > 0 ? [1 - policy.jitter, 1, 1 + policy.jitter] : [1];
  const delays = policy.delaysMs.flatMap((delay) => buckets.map((factor) => Math.max(1, Math.round(delay * factor))));
  return [...new Set(delays)].sort((a, b) => a - b);
}

/** The retry-queue TTL for redelivery number `attempt` (1-based), picked at random among its jitter buckets. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const delay = policy.delaysMs[attempt - 1];
  if (delay === undefined) throw new RangeError(`no delay for retry ${attempt}`);
  const buckets = policy.jitter > 0 ? [1 - policy.jitter, 1, 1 + policy.jitter] : [1];
  const factor = buckets[Math.min(buckets.length - 1, Math.floor(random() * buckets.length))]!;
  return Math.max(1, Math.round(delay * factor));
}

/** Pause before in-process retry `n` (1-based): exponential with full jitter, capped. */
export function immediateBackoffMs(n: number, random: () => number): number {
  return Math.round(random() * Math.min(1000, 25 * 2 ** n));
}
