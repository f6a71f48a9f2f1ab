import { decideOutcome, retryDelayMs } from '../src/webhooks/retrySchedule';

const policy = { maxAttempts: 4, baseMs: 1000, maxMs: 10_000 };
const now = new Date('2026-11-30T10:00:00.000Z');

describe('the webhook retry schedule', () => {
  it('doubles the pause after each failed attempt from the base, without jitter at the midpoint', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, policy, 0.5))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never waits longer than the maximum, however many attempts failed', () => {
    expect(retryDelayMs(5, policy, 0.5)).toBe(10_000);
    expect(retryDelayMs(5000, policy, 0.999)).toBe(10_000);
  });

  it('spreads retries by ±20 % so deliveries failed together do not all come back together', () => {
    expect(retryDelayMs(2, policy, 0)).toBe(1600);
    expect(retryDelayMs(2, policy, 0.999_999)).toBe(2400);
  });

  it('a 2xx answer delivers', () => {
    expect(decideOutcome({ statusCode: 204, error: null }, 1, now, policy, 0.5)).toEqual({ result: 'delivered', status: 'delivered', attempts: 1, deliveredAt: now });
  });

  it('a failed attempt before the last is retried after the backoff', () => {
    const outcome = decideOutcome({ statusCode: 500, error: 'HTTP 500' }, 2, now, policy, 0.5);
    expect(outcome).toEqual({ result: 'retry', status: 'pending', attempts: 2, nextAttemptAt: new Date(now.getTime() + 2000) });
  });

  it('a redirect, a timeout or a refused connection fail the attempt like an error answer', () => {
    for (const attempt of [
      { statusCode: 302, error: 'redirect not followed' },
      { statusCode: null, error: 'timed out' },
      { statusCode: null, error: 'request failed: ECONNREFUSED' },
    ]) {
      expect(decideOutcome(attempt, 1, now, policy, 0.5).result).toBe('retry');
    }
  });

  it('the last allowed attempt failing gives the delivery up', () => {
    expect(decideOutcome({ statusCode: 503, error: 'HTTP 503' }, 4, now, policy, 0.5)).toEqual({ result: 'failed', status: 'failed', attempts: 4 });
  });
});
