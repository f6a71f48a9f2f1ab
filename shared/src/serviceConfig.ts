import { z } from 'zod';
import { logLevel, port, positiveInt, readConfig, url } from './config';

export type ServiceName = 'order' | 'inventory' | 'billing';

const DEFAULTS: Record<ServiceName, { port: number; database: string }> = {
  order: { port: 3000, database: 'orders' },
  inventory: { port: 3001, database: 'inventory' },
  billing: { port: 3002, database: 'billing' },
};

export interface ServiceConfig {
  service: ServiceName;
  port: number;
  databaseUrl: string;
  /** The variable that overrides databaseUrl, named in start-up errors. */
  databaseUrlVariable: string;
  databasePoolSize: number;
  amqpUrl: string;
  namespace: string;
  queueType: 'classic' | 'quorum';
  prefetch: number;
  handlerAttempts: number;
  relayBatchSize: number;
  relayPollIntervalMs: number;
  logLevel: string;
}

/** The configuration of one service, read from the environment once at start-up. */
export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const prefix = service.toUpperCase();
  const defaults = DEFAULTS[service];
  const dbVar = `${prefix}_DATABASE_URL`;
  const portVar = `${prefix}_PORT`;
  const raw = readConfig(
    {
      [dbVar]: url(`postgres://postgres@127.0.0.1:5432/${defaults.database}`),
      [portVar]: port(defaults.port),
      DATABASE_POOL_SIZE: positiveInt(10),
      AMQP_URL: url('amqp://guest:guest@127.0.0.1:5672'),
      MESSAGING_NAMESPACE: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, - and _')
        .default('saga'),
      QUEUE_TYPE: z.enum(['classic', 'quorum']).default('classic'),
      PREFETCH: positiveInt(32),
      HANDLER_ATTEMPTS: positiveInt(3),
      RELAY_BATCH_SIZE: positiveInt(200),
      RELAY_POLL_INTERVAL_MS: positiveInt(1000),
      LOG_LEVEL: logLevel(),
    },
    env,
  ) as Record<string, unknown>;
  return {
    service,
    port: raw[portVar] as number,
    databaseUrl: raw[dbVar] as string,
    databaseUrlVariable: dbVar,
    databasePoolSize: raw.DATABASE_POOL_SIZE as number,
    amqpUrl: raw.AMQP_URL as string,
    namespace: raw.MESSAGING_NAMESPACE as string,
    queueType: raw.QUEUE_TYPE as 'classic' | 'quorum',
    prefetch: raw.PREFETCH as number,
    handlerAttempts: raw.HANDLER_ATTEMPTS as number,
    relayBatchSize: raw.RELAY_BATCH_SIZE as number,
    relayPollIntervalMs: raw.RELAY_POLL_INTERVAL_MS as number,
    logLevel: raw.LOG_LEVEL as string,
  };
}
