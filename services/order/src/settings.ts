import { positiveInt, readConfig } from '@saga/shared';

export interface SagaTimeouts {
  /** Time a step (or a compensation) may wait for its reply. */
  stepMs: number;
  /** Time the whole saga may take before it is compensated. */
  sagaMs: number;
}

export interface OrderSettings {
  timeouts: SagaTimeouts;
  deadlineSweepIntervalMs: number;
}

/** The order service's own settings, read once at start-up. */
export function loadOrderSettings(env: NodeJS.ProcessEnv = process.env): OrderSettings {
  const raw = readConfig(
    {
      SAGA_STEP_TIMEOUT_MS: positiveInt(30_000),
      SAGA_TIMEOUT_MS: positiveInt(300_000),
      DEADLINE_SWEEP_INTERVAL_MS: positiveInt(1000),
    },
    env,
  );
  return {
    timeouts: { stepMs: raw.SAGA_STEP_TIMEOUT_MS, sagaMs: raw.SAGA_TIMEOUT_MS },
    deadlineSweepIntervalMs: raw.DEADLINE_SWEEP_INTERVAL_MS,
  };
}
