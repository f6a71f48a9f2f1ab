import { hostname } from 'node:os';
import { z } from 'zod';
import type { BreakerSettings } from './messaging/breaker';
import type { RetryPolicy } from './messaging/retryPolicy';
import { logLevel, port, positiveInt, readConfig, url } from './config';
import { serviceAmqpUrl } from './broker/credentials';
import { brokerUrlList } from './broker/addresses';
import { DEFAULT_NAMESPACE } from './messaging/topology';
import { DEFAULT_MAX_ROTATIONS } from './messaging/consumer';

/**
 * A service's name: its broker user, the prefix of its queues and of its variables
 * (`<NAME>_PORT`...), and the context of the `domain.<name>.*` messages it produces. The
 * kernel names no service: the list of them is services/registry.ts.
 */
export type ServiceName = string;

/** What the kernel needs to know of a service to read its configuration: an entry of the registry. */
export interface ServiceEntry {
  name: ServiceName;
  /** HTTP port unless `<NAME>_PORT` says otherwise. */
  port: number;
  /** Database on the local PostgreSQL unless `<NAME>_DATABASE_URL` says otherwise. */
  database: string;
  /** What it reports about one order on its HTTP API (`GET <path>?orderId=`), for the console: e.g. its reservations. */
  orderReport?: { what: string; path: string };
}

/** The broker's address and the saga's vhost; services add their own user (see serviceAmqpUrl). */
export const DEFAULT_AMQP_URL = 'amqp://127.0.0.1:5672/saga';

export interface ServiceConfig {
  service: ServiceName;
  /**
   * Which process of the service this is, among the replicas sharing its database and queue:
   * in every log line, metric series, span and /health. `REPLICA_ID`; unset, host name and pid.
   */
  replicaId: string;
  port: number;
  /** Address the HTTP API listens on: 127.0.0.1 locally, 0.0.0.0 in a container. */
  host: string;
  databaseUrl: string;
  /** The variable that overrides databaseUrl, named in start-up errors. */
  databaseUrlVariable: string;
  databasePoolSize: number;
  /** One broker address, or the nodes of a cluster comma-separated (failed over in turn). */
  amqpUrl: string;
  namespace: string;
  queueType: 'classic' | 'quorum';
  prefetch: number;
  retry: RetryPolicy;
  breaker: BreakerSettings;
  /** Failures while the consumer's breaker is open or half-open before a message goes to the error queue. */
  maxRotations: number;
  relayBatchSize: number;
  relayWorkers: number;
  relayPollIntervalMs: number;
  logLevel: string;
}

/** "1000,5000,25000": the delays of the delayed redeliveries, in milliseconds ("" for none). */
const delayList = z.string().transform((text, ctx) => {
  const delays = text.split(',').map((part) => part.trim()).filter(Boolean).map(Number);
  if (delays.some((d) => !Number.isInteger(d) || d < 1)) {
    ctx.addIssue({ code: 'custom', message: 'a comma-separated list of positive integers (milliseconds)' });
    return z.NEVER;
  }
  return delays;
});

/** REPLICA_ID: a label value and a log field, so a short plain name. */
const replicaId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, ., - and _, at most 63')
  .optional();

/** MESSAGING_NAMESPACE: a plain name, since it also goes into the broker's permission patterns. */
export const messagingNamespace = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, - and _')
  .default(DEFAULT_NAMESPACE);

/**
 * The configuration of one service, read from the environment once at start-up. `users`
 * are every service's broker users: those whose passwords the credentials file is made
 * with when the service is the first to need it (see servicePasswords).
 */
export function loadServiceConfig(entry: ServiceEntry, env: NodeJS.ProcessEnv = process.env, users: readonly ServiceName[] = [entry.name]): ServiceConfig {
  const service = entry.name;
  const prefix = service.toUpperCase();
  const dbVar = `${prefix}_DATABASE_URL`;
  const portVar = `${prefix}_PORT`;
  const raw = readConfig(
    {
      [dbVar]: url(`postgres://postgres@127.0.0.1:5432/${entry.database}`),
      [portVar]: port(entry.port),
      HTTP_HOST: z.string().min(1).default('127.0.0.1'),
      DATABASE_POOL_SIZE: positiveInt(10),
      AMQP_URL: brokerUrlList(DEFAULT_AMQP_URL),
      MESSAGING_NAMESPACE: messagingNamespace,
      QUEUE_TYPE: z.enum(['classic', 'quorum']).default('classic'),
      PREFETCH: positiveInt(32),
      IMMEDIATE_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
      RETRY_DELAYS_MS: delayList.default([1000, 5000, 25000]),
      [`${prefix}_RETRY_DELAYS_MS`]: delayList.optional(),
      RETRY_JITTER: z.coerce.number().min(0).max(0.9).default(0.2),
      BREAKER_RESET_MS: positiveInt(5000),
      BREAKER_VOLUME_THRESHOLD: positiveInt(10),
      BREAKER_ERROR_PERCENTAGE: z.coerce.number().min(1).max(100).default(50),
      BREAKER_MAX_ROTATIONS: positiveInt(DEFAULT_MAX_ROTATIONS),
      HANDLER_TIMEOUT_MS: positiveInt(30_000),
      RELAY_BATCH_SIZE: positiveInt(200),
      RELAY_WORKERS: positiveInt(1),
      RELAY_POLL_INTERVAL_MS: positiveInt(1000),
      LOG_LEVEL: logLevel(),
      REPLICA_ID: replicaId,
    },
    env,
  ) as Record<string, unknown>;
  return {
    service,
    replicaId: (raw.REPLICA_ID as string | undefined) ?? `${hostname()}-${process.pid}`,
    port: raw[portVar] as number,
    host: raw.HTTP_HOST as string,
    databaseUrl: raw[dbVar] as string,
    databaseUrlVariable: dbVar,
    databasePoolSize: raw.DATABASE_POOL_SIZE as number,
    amqpUrl: serviceAmqpUrl(raw.AMQP_URL as string, service, env, users.includes(service) ? users : [...users, service]),
    namespace: raw.MESSAGING_NAMESPACE as string,
    queueType: raw.QUEUE_TYPE as 'classic' | 'quorum',
    prefetch: raw.PREFETCH as number,
    retry: {
      immediateRetries: raw.IMMEDIATE_RETRIES as number,
      delaysMs: (raw[`${prefix}_RETRY_DELAYS_MS`] ?? raw.RETRY_DELAYS_MS) as number[],
      jitter: raw.RETRY_JITTER as number,
    },
    breaker: {
      resetTimeoutMs: raw.BREAKER_RESET_MS as number,
      volumeThreshold: raw.BREAKER_VOLUME_THRESHOLD as number,
      errorThresholdPercentage: raw.BREAKER_ERROR_PERCENTAGE as number,
      rollingWindowMs: 10_000,
      callTimeoutMs: raw.HANDLER_TIMEOUT_MS as number,
    },
    maxRotations: raw.BREAKER_MAX_ROTATIONS as number,
    relayBatchSize: raw.RELAY_BATCH_SIZE as number,
    relayWorkers: raw.RELAY_WORKERS as number,
    relayPollIntervalMs: raw.RELAY_POLL_INTERVAL_MS as number,
    logLevel: raw.LOG_LEVEL as string,
  };
}
