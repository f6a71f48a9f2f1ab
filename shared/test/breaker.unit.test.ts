import { Breaker } from '../src/messaging/breaker';
import { createLogger } from '../src/logging';

const logger = createLogger('test', 'silent');
const settings = { resetTimeoutMs: 60_000, volumeThreshold: 10, errorThresholdPercentage: 50, rollingWindowMs: 10_000 };

/** A probe whose calls are counted and whose answer the test gives when it likes. */
function controlledProbe() {
  let calls = 0;
  let answer: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const probe = () => {
    calls += 1;
    return new Promise<void>((resolve, reject) => {
      answer = { resolve, reject };
    });
  };
  return { probe, calls: () => calls, answer: () => answer! };
}

describe('breaker probe', () => {
  it('runs one probe for deliveries that fail together, and gives each its answer', async () => {
    const { probe, calls, answer } = controlledProbe();
    const breaker = new Breaker('test', logger, settings, () => true, undefined, probe);
    const asked = Array.from({ length: 5 }, () => breaker.confirmOutage());
    answer().resolve();
    expect(await Promise.all(asked)).toEqual([false, false, false, false, false]);
    expect(calls()).toBe(1);
    expect(breaker.state).toBe('closed');
    breaker.shutdown();
  });

  it('opens once the shared probe fails, and probes afresh when asked again', async () => {
    const { probe, calls, answer } = controlledProbe();
    const breaker = new Breaker('test', logger, settings, () => true, undefined, probe);
    const asked = Array.from({ length: 3 }, () => breaker.confirmOutage());
    answer().reject(new Error('connect ECONNREFUSED'));
    expect(await Promise.all(asked)).toEqual([true, true, true]);
    expect(breaker.state).toBe('open');
    const again = breaker.confirmOutage();
    answer().resolve();
    expect(await again).toBe(false);
    expect(calls()).toBe(2);
    breaker.shutdown();
  });
});
