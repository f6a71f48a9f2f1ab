import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface BreakerSettings {
  /** How long the breaker stays open before it is half-open: its probe runs (or, without one, the next call is a trial). */
  resetTimeoutMs: number;
  /** Calls in the rolling window before the error rate can open the breaker. */
  volumeThreshold: number;
  errorThresholdPercentage: number;
  rollingWindowMs: number;
  /**
   * Longest a call may run before it counts as a (transient, ETIMEDOUT) failure; false for
   * no limit. A database that accepts connections and never answers would otherwise hang a
   * handler forever. The call itself is not cancelled; for a handler, the inbox makes a
   * late commit and the retry of the same message add up to one effect.
   */
  callTimeoutMs?: number | false;
}

/** A probe that failed: always counted, whatever the breaker's `counts` says. */
class ProbeFailed extends Error {
  override name = 'ProbeFailed';
}

/** Longest a probe may take before it counts as failed (a database that accepts and never answers). */
const PROBE_TIMEOUT_MS = 5000;

export const DEFAULT_BREAKER: BreakerSettings = {
  resetTimeoutMs: 5000,
  volumeThreshold: 10,
  errorThresholdPercentage: 50,
  rollingWindowMs: 10_000,
  callTimeoutMs: false,
};

/**
 * An opossum circuit breaker around any async call. Only failures that `counts`
 * accepts trip it (a handler's permanent errors are the message's fault, not the
 * dependency's). Every state change is logged and emitted as 'state'.
 *
 * With a `probe` (a cheap call to the dependency itself), the breaker also
 * knows an outage apart from a bad call: `confirmOutage` opens it when the probe fails,
 * whatever the traffic (an error rate needs volume), and when half-open it is the probe,
 * not a caller's work, that decides whether to close.
 */
export class Breaker extends EventEmitter<{ state: [BreakerState] }> {
  private readonly circuit: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(
    readonly name: string,
    logger: Logger,
    settings: BreakerSettings = DEFAULT_BREAKER,
    counts: (error: unknown) => boolean = () => true,
    metrics?: Metrics,
    private readonly probe?: () => Promise<unknown>,
  ) {
    super();
    this.circuit = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      name,
      timeout: settings.callTimeoutMs ?? false,
      resetTimeout: settings.resetTimeoutMs,
      volumeThreshold: settings.volumeThreshold,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      rollingCountTimeout: settings.rollingWindowMs,
      errorFilter: (error: unknown) => !(error instanceof ProbeFailed || counts(error)),
    });
    const changed = (state: BreakerState) => {
      (state === 'closed' ? logger.info.bind(logger) : logger.warn.bind(logger))({ breaker: name, state }, `circuit breaker ${name} is ${state}`);
      this.emit('state', state);
    };
    this.circuit.on('open', () => changed('open'));
    this.circuit.on('halfOpen', () => {
      changed('halfOpen');
      if (this.probe) void this.run(() => this.probeOnce()).catch(() => undefined);
    });
    this.circuit.on('close', () => changed('closed'));
    if (metrics) {
      const events = { success: 'success', failure: 'failure', timeout: 'timeout', reject: 'reject', open: 'open', halfOpen: 'half_open', close: 'close' } as const;
      for (const [event, label] of Object.entries(events)) {
        this.circuit.on(event as 'success', () => metrics.breakerEvents.inc({ name, event: label }));
      }
      const showState = (state: BreakerState) => {
        for (const each of ['closed', 'open', 'halfOpen'] as const) {
          metrics.breakerState.set({ name, state: each === 'halfOpen' ? 'half_open' : each }, each === state ? 1 : 0);
        }
      };
      showState('closed');
      this.on('state', showState);
    }
  }

  get state(): BreakerState {
    return this.circuit.opened ? 'open' : this.circuit.halfOpen ? 'halfOpen' : 'closed';
  }

  /** The probe under way, if one is. */
  private probing: Promise<void> | undefined;

  run<T>(call: () => Promise<T>): Promise<T> {
    return this.circuit.fire(call) as Promise<T>;
  }

  /**
   * After a call failed transiently: is the dependency down? Runs the probe; when it
   * fails, opens the breaker (if closed) and answers true. Without a probe, false.
   */
  async confirmOutage(): Promise<boolean> {
    if (!this.probe) return false;
    const down = await this.probeOnce().then(
      () => false,
      () => true,
    );
    if (down && !this.circuit.opened) this.circuit.open();
    return down;
  }

  /**
   * One probe at a time: deliveries that fail together share its answer instead of queueing
   * probes on the probe's one connection, where the last would wait past its timeout and
   * report a slow database as down.
   */
  private probeOnce(): Promise<void> {
    this.probing ??= this.probeNow().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private async probeNow(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeFailed(`probe took longer than ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.probe!(), timeout]);
    } catch (error) {
      throw error instanceof ProbeFailed ? error : new ProbeFailed(`probe failed: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  shutdown(): void {
    this.circuit.shutdown();
  }
}
