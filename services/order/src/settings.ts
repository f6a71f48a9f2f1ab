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
  /** Operator tokens by name (OPERATOR_TOKEN is named "operator"); none: the console is read-only. */
  operators: Array<{ name: string; token: string }>;
  /** A saga in flight longer than this is flagged stuck (and announced once as saga.stuck). */
  stuckAfterMs: number;
  /** How long the saga journal (the event streams' history) and finished webhook deliveries are kept. */
  journalRetentionMs: number;
  /** Server-Sent Event streams: how soon after a commit readers look, how often they look anyway, how many may be open. */
  eventStreams: { debounceMs: number; tickMs: number; maxReaders: number };
  /** Where the console links a saga's trace: a URL with `{traceId}` in it (TRACE_UI_URL, e.g. Jaeger's); unset, no link. */
  traceUiUrl: string | undefined;
}

const TOKEN = /^[\x21-\x7e]{16,512}$/;
const tokenMessage = 'must be 16 to 512 printable ASCII characters without spaces';
const OperatorTokens = z
  .string()
  .transform((text, ctx) => {
    const entries = text.split(',').map((pair) => pair.trim()).filter(Boolean);
    return entries.map((pair) => {
      const [name = '', token = ''] = [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)];
      if (pair.indexOf(':') < 1 || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) ctx.addIssue({ code: 'custom', message: 'must be name:token pairs separated by commas (names of letters, digits, . _ -)' });
      else if (!TOKEN.test(token)) ctx.addIssue({ code: 'custom', message: `the token of ${name} ${tokenMessage}` });
      return { name, token };
    });
  })
  .optional();

const KNOWN_VERSIONS = ORDER_SAGA_VERSIONS.map((declared) => declared.version);

/** `{traceId}` once, in an http(s) URL: what the console's link is made of (the trace id is hex, so the link stays that URL). */
const TraceUiUrl = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z
    .string()
    .refine((template) => template.split('{traceId}').length === 2, 'must contain {traceId} once, e.g. http://127.0.0.1:16686/trace/{traceId}')
    .refine((template) => z.url({ protocol: /^https?$/ }).safeParse(template.replace('{traceId}', '0'.repeat(32))).success, 'must be an http or https URL')
    .optional(),
);

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
      OPERATOR_TOKEN: z.string().regex(TOKEN, tokenMessage).optional(),
      OPERATOR_TOKENS: OperatorTokens,
      SAGA_STUCK_AFTER_MS: positiveInt(60_000),
      EVENT_STREAM_MAX_CLIENTS: positiveInt(200),
      JOURNAL_RETENTION_DAYS: positiveInt(30),
      TRACE_UI_URL: TraceUiUrl,
    },
    env,
  );
  return {
    timeouts: { stepMs: raw.SAGA_STEP_TIMEOUT_MS, sagaMs: raw.SAGA_TIMEOUT_MS },
    deadlineSweepIntervalMs: raw.DEADLINE_SWEEP_INTERVAL_MS,
    sagaVersion: raw.ORDER_SAGA_VERSION,
    operators: [...(raw.OPERATOR_TOKEN ? [{ name: 'operator', token: raw.OPERATOR_TOKEN }] : []), ...(raw.OPERATOR_TOKENS ?? [])],
    stuckAfterMs: raw.SAGA_STUCK_AFTER_MS,
    journalRetentionMs: raw.JOURNAL_RETENTION_DAYS * 86_400_000,
    eventStreams: { debounceMs: 50, tickMs: 1000, maxReaders: raw.EVENT_STREAM_MAX_CLIENTS },
    traceUiUrl: raw.TRACE_UI_URL,
  };
}
