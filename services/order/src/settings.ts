import { z } from 'zod';
import { positiveInt, readConfig } from '@saga/shared';
import { LATEST_ORDER_SAGA_VERSION, ORDER_SAGA_VERSIONS } from './domain/orderSaga.versions';

export interface SagaTimeouts {
  /** Time a step (or a compensation) may wait for its reply. */
  stepMs: number;
  /** Time the whole saga may take before it is compensated. */
  sagaMs: number;
}

export interface OrderSettings {
  timeouts: SagaTimeouts;
  deadlineSweepIntervalMs: number;
  /** The version of the saga definition new orders start on (ORDER_SAGA_VERSION, the latest by default). */
  sagaVersion: number;
}

const KNOWN_VERSIONS = ORDER_SAGA_VERSIONS.map((declared) => declared.version);

/** The order service's own settings, read once at start-up. */
export function loadOrderSettings(env: NodeJS.ProcessEnv = process.env): OrderSettings {
  const raw = readConfig(
    {
      SAGA_STEP_TIMEOUT_MS: positiveInt(30_000),
      SAGA_TIMEOUT_MS: positiveInt(300_000),
      DEADLINE_SWEEP_INTERVAL_MS: positiveInt(1000),
      ORDER_SAGA_VERSION: z.coerce
        .number()
        .refine((version) => KNOWN_VERSIONS.includes(version), `must be a saga definition version this build knows: ${KNOWN_VERSIONS.join(', ')}`)
        .default(LATEST_ORDER_SAGA_VERSION),
    },
    env,
  );
  return {
    timeouts: { stepMs: raw.SAGA_STEP_TIMEOUT_MS, sagaMs: raw.SAGA_TIMEOUT_MS },
    deadlineSweepIntervalMs: raw.DEADLINE_SWEEP_INTERVAL_MS,
    sagaVersion: raw.ORDER_SAGA_VERSION,
  };
}
