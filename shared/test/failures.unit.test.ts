import { backoffMs } from '../src/backoff';
import { dependencyUnavailable, describeError, isTransient, MessageRefused, TransientError } from '../src/messaging/failures';
import { immediateBackoffMs, maxDeliveries, retryDelay, retryQueueDelays } from '../src/messaging/retryPolicy';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('failure classification', () => {
  it.each([
    ['a lost connection', 'ECONNREFUSED'],
    ['a reset connection', 'ECONNRESET'],
    ['a timed-out call', 'ETIMEDOUT'],
    ['a serialization failure', '40001'],
    ['a deadlock', '40P01'],
    ['a lock timeout', '55P03'],
    ['an administrator shutdown', '57P01'],
    ['a database closed to connections', '55000'],
    ['too many connections', '53300'],
    ['an open circuit', 'EOPENBREAKER'],
  ])('treats %s as transient', (_name, code) => {
    expect(isTransient(withCode(code))).toBe(true);
  });

  it.each(['Connection terminated unexpectedly', 'timeout exceeded when trying to connect', 'Client has encountered a connection error and is not queryable'])(
    'treats node-postgres "%s" (no code) as transient',
    (message) => {
      expect(isTransient(new Error(message))).toBe(true);
    },
  );

  it('looks through wrappers such as drizzle query errors', () => {
    const wrapped = Object.assign(new Error('Failed query: select 1'), { cause: withCode('40P01') });
    expect(isTransient(wrapped)).toBe(true);
    expect(describeError(wrapped)).toBe('40P01');
  });

  it('treats a TransientError as transient and bugs, constraint violations and plain errors as permanent', () => {
    expect(isTransient(new TransientError('later'))).toBe(true);
    expect(isTransient(new TypeError('x is undefined'))).toBe(false);
    expect(isTransient(withCode('23505'))).toBe(false);
    expect(isTransient(new Error('No saga for order 1'))).toBe(false);
  });

  it.each([
    ['a NUL byte in a statement (08P01, in the otherwise transient connection class)', '08P01'],
    ['a numeric field overflow', '22003'],
    ['invalid text for a type', '22P02'],
    ['a character with no UTF-8 form', '22021'],
    ['a check constraint violation', '23514'],
  ])('treats %s as permanent: retrying the same value fails the same way', (_name, code) => {
    expect(isTransient(withCode(code))).toBe(false);
    expect(isTransient(Object.assign(new Error('Failed query'), { cause: withCode(code) }))).toBe(false);
  });

  it('treats a refusal by a handler as permanent', () => {
    expect(isTransient(new MessageRefused('reply-mismatch', 'paid 0.01'))).toBe(false);
  });
});

describe('an unavailable dependency (what HTTP answers 503 for)', () => {
  const pg = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

  it('is a database that cannot be reached or used now, or a conflict the same request later gets past', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '53300', '08006', '25006', '40001', '40P01', '55P03']) expect(dependencyUnavailable(pg(code))).toBe(true);
    expect(dependencyUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(dependencyUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(dependencyUnavailable(new Error('Failed query', { cause: pg('57P01') }))).toBe(true);
  });

  it('is not a cancelled query, a value the database refuses or a bug', () => {
    for (const code of ['55000', '57014', '08P01', '22P02', '23505', '42703']) expect(dependencyUnavailable(pg(code))).toBe(false);
    expect(dependencyUnavailable(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('retry policy', () => {
  const policy = { immediateRetries: 2, delaysMs: [1000, 5000, 25000], jitter: 0.2 };

  it('gives a message one delivery plus one per delay', () => {
    expect(maxDeliveries(policy)).toBe(4);
  });

  it('spreads each delay over three retry queues', () => {
    expect(retryQueueDelays(policy)).toEqual([800, 1000, 1200, 4000, 5000, 6000, 20000, 25000, 30000]);
    expect(retryQueueDelays({ ...policy, jitter: 0 })).toEqual([1000, 5000, 25000]);
  });

  it('picks the delay of the redelivery, jittered', () => {
    expect(retryDelay(policy, 1, () => 0)).toBe(800);
    expect(retryDelay(policy, 2, () => 0.5)).toBe(5000);
    expect(retryDelay(policy, 3, () => 0.99)).toBe(30000);
    expect(() => retryDelay(policy, 4, () => 0)).toThrow(RangeError);
  });

  it('backs off in process exponentially with full jitter, capped at a second', () => {
    expect(immediateBackoffMs(1, () => 1)).toBe(50);
    expect(immediateBackoffMs(3, () => 1)).toBe(200);
    expect(immediateBackoffMs(10, () => 1)).toBe(1000);
    expect(immediateBackoffMs(3, () => 0)).toBe(0);
  });
});

describe('reconnection backoff', () => {
  it('doubles from 100 ms up to its cap, jittered over the upper half', () => {
    expect(backoffMs(1, 5000, () => 0)).toBe(100);
    expect(backoffMs(1, 5000, () => 1)).toBe(200);
    expect(backoffMs(3, 5000, () => 1)).toBe(800);
    expect(backoffMs(10, 5000, () => 0)).toBe(2500);
    expect(backoffMs(10, 5000, () => 1)).toBe(5000);
  });
});
