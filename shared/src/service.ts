import type { Express } from 'express';
import { openDatabase, type DatabaseHandle } from './db/database';
import { ensureDatabase, redactUrl } from './db/ensureDatabase';
import { applyMigrations } from './db/migrate';
import { createApp, listen, routesOf, type RouteInfo } from './http/server';
import { createLogger, type Logger } from './logging';
import { Metrics } from './metrics';
import { AmqpClient } from './messaging/amqp';
import { Consumer } from './messaging/consumer';
import type { MessageHandler } from './messaging/handler';
import { OutboxRelay } from './messaging/relay';
import { serviceGrant } from './broker/provision';
import { topology, type Topology } from './messaging/topology';
import { systemRuntime, type Runtime } from './runtime';
import { ServiceTracer } from './tracing/serviceTracer';
import { startTracing } from './tracing/startTracing';
import type { ServiceConfig } from './serviceConfig';

export interface ServiceDeps {
  database: DatabaseHandle;
  metrics: Metrics;
  amqp: AmqpClient;
  topology: Topology;
  logger: Logger;
  runtime: Runtime;
  /** Starts the service's spans (a no-op unless tracing is on: docs/tracing.md). */
  tracer: ServiceTracer;
}

/** Work a service does on its own schedule (a deadline sweeper, say), started after its consumer. */
export interface BackgroundWorker {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceDefinition {
  migrationsFolder: string;
  /** What its consumer handles: a list, or one built from the service's dependencies (its metrics, say). */
  handlers: readonly MessageHandler[] | ((deps: ServiceDeps) => readonly MessageHandler[]);
  routes(app: Express, deps: ServiceDeps): void;
  /** Registers the service's own metrics (beside the kernel's) once its dependencies exist. */
  instrument?: (deps: ServiceDeps) => void;
  background?: (deps: ServiceDeps) => BackgroundWorker[];
  /** Absolute path of its OpenAPI document (YAML), served at `GET /openapi.json`. */
  openapi?: string;
}

export interface RunningService extends ServiceDeps {
  url: string;
  consumer: Consumer;
  relay: OutboxRelay;
  /** The routes its HTTP API registered (what its OpenAPI document is checked against). */
  routes: RouteInfo[];
  stop(): Promise<void>;
}

export interface StartOptions {
  runtime?: Runtime;
  logger?: Logger;
  /** Test hook passed to the relay (see RelayOptions.afterPublish). */
  afterPublish?: (messageIds: string[]) => void | Promise<void>;
}

/**
 * Starts one service: its database (created and migrated if needed), its broker
 * connection, its outbox relay, its consumer and its HTTP API. Fails within seconds,
 * naming the URL and the variable to set, when PostgreSQL or RabbitMQ is unreachable.
 */
export async function startService(
  definition: ServiceDefinition,
  config: ServiceConfig,
  options: StartOptions = {},
): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config.service, config.logLevel, config.replicaId);
  const runtime = options.runtime ?? systemRuntime;
  try {
    await ensureDatabase(config.databaseUrl);
  } catch (error) {
    throw new Error(
      `Cannot reach PostgreSQL at ${redactUrl(config.databaseUrl)} (${(error as Error).message}); set ${config.databaseUrlVariable} to point elsewhere`,
    );
  }
  // Stopped last (stoppers run in reverse): the spans of everything else's stop are flushed too.
  const tracing = startTracing({ service: config.service, replicaId: config.replicaId, env: process.env });
  const tracer = new ServiceTracer(config.service, config.replicaId);
  const database = openDatabase(config.databaseUrl, { max: config.databasePoolSize });
  const amqp = new AmqpClient({ url: config.amqpUrl, name: `${config.namespace}:${config.service}:${config.replicaId}`, logger });
  const stoppers: Array<() => Promise<void>> = [() => tracing.stop(), () => database.close()];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch((error) => logger.warn({ err: error }, 'stop failed'));
  };
  try {
    await applyMigrations(database, definition.migrationsFolder);
    await amqp.start();
    stoppers.push(() => amqp.close());
    if (amqp.user !== config.service) {
      throw new Error(
        `AMQP_URL names broker user ${amqp.user}, but the ${config.service} service must connect as user ${config.service}: ` +
          'every consumer checks the sender of each message against that name (see README, "Security")',
      );
    }
    const topo = topology(config.namespace);
    const metrics = new Metrics(config.service, config.replicaId);
    registerOutboxGauges(metrics, database);
    const deps: ServiceDeps = { database, metrics, amqp, topology: topo, logger, runtime, tracer };
    definition.instrument?.(deps);

    const relay = new OutboxRelay({
      pool: database.pool,
      databaseUrl: config.databaseUrl,
      amqp,
      topology: topo,
      logger: logger.child({ component: 'relay' }),
      batchSize: config.relayBatchSize,
      workers: config.relayWorkers,
      pollIntervalMs: config.relayPollIntervalMs,
      afterPublish: options.afterPublish,
      now: () => runtime.now(),
      publishes: new RegExp(serviceGrant(config.namespace, config.service).publishes),
      breaker: { ...config.breaker, callTimeoutMs: false }, // publishing has its own confirm timeout
      metrics,
      tracer,
    });
    await relay.start();
    stoppers.push(() => relay.stop());

    // The breaker's probe has a connection of its own (ADR 20): handlers that fill the pool are not an outage.
    const probeDatabase = openDatabase(config.databaseUrl, { max: 1, connectTimeoutMs: 5000 });
    stoppers.push(() => probeDatabase.close());
    const consumer = new Consumer({
      probe: () => databaseAcceptsWrites(probeDatabase),
      endpoint: config.service,
      service: config.service,
      handlers: typeof definition.handlers === 'function' ? definition.handlers(deps) : definition.handlers,
      pool: database.pool,
      amqp,
      topology: topo,
      logger: logger.child({ component: 'consumer' }),
      runtime,
      prefetch: config.prefetch,
      retry: config.retry,
      maxRotations: config.maxRotations,
      breaker: config.breaker,
      queueType: config.queueType,
      metrics,
      tracer,
    });
    await consumer.start();
    stoppers.push(() => consumer.stop());

    for (const worker of definition.background?.(deps) ?? []) {
      await worker.start();
      stoppers.push(() => worker.stop());
    }

    const app = createApp({
      logger,
      metrics,
      openapi: definition.openapi,
      tracer,
      routes: (expressApp) => definition.routes(expressApp, deps),
      health: [
        { name: 'database', healthy: () => database.pool.query('select 1').then(() => true) },
        { name: 'broker', healthy: () => amqp.isConnected },
        { name: 'outbox', healthy: () => outboxFlowing(database) },
        // An open breaker is an outage being ridden out, not a dead service: degraded, still 200.
        // Not consuming with a closed breaker: its channel is being replaced, or the broker refused the consume.
        { name: 'consumer', healthy: () => (consumer.breakerState === 'closed' && consumer.consuming ? true : 'degraded') },
        { name: 'relay', healthy: () => (relay.breakerState === 'closed' ? true : 'degraded') },
      ],
      healthDetails: async () => ({
        replica: config.replicaId,
        broker: amqp.address ?? null,
        breakers: { consumer: consumer.breakerState, relay: relay.breakerState },
        // Since this process started (the metric is a counter of batches that could not be published).
        outbox: { publishFailures: (await metrics.outboxPublishFailures.get()).values.reduce((sum, each) => sum + each.value, 0) },
      }),
    });
    const server = await listen(app, config.port, config.host);
    stoppers.push(() => server.close());
    logger.info({ url: server.url }, `${config.service} service listening`);
    return { ...deps, url: server.url, consumer, relay, routes: routesOf(app), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Fails unless the database answers as a primary: a standby (after a failover, the old primary demoted) takes no writes. */
async function databaseAcceptsWrites(database: DatabaseHandle): Promise<void> {
  const { rows } = await database.pool.query<{ standby: boolean }>('select pg_is_in_recovery() as standby');
  if (rows[0]?.standby) throw new Error('the database is a standby: it takes no writes');
}

/** Degraded while rows sit in outbox_dead_letters: nothing is blocked, but messages were not sent and need an operator. */
async function outboxFlowing(database: DatabaseHandle): Promise<boolean | 'degraded'> {
  const { rows } = await database.pool.query<{ aside: boolean }>('select exists (select 1 from outbox_dead_letters) as aside');
  return rows[0]?.aside ? 'degraded' : true;
}

/** Outbox gauges, computed when Prometheus scrapes: one query per scrape, never per message. */
function registerOutboxGauges(metrics: Metrics, database: DatabaseHandle): void {
  let last: { at: number; read: Promise<{ count: number; oldest: number; aside: number }> } | undefined;
  // Both gauges are collected in the same scrape (possibly concurrently): they share one query.
  const read = () => {
    if (!last || Date.now() - last.at > 1000) {
      const query = database.pool
        .query<{ count: string; oldest: string | null; aside: string }>(
          'select count(*) as count, extract(epoch from now() - min(created_at)) as oldest, (select count(*) from outbox_dead_letters) as aside from outbox',
        )
        .then(({ rows }) => ({ count: Number(rows[0]?.count ?? 0), oldest: Number(rows[0]?.oldest ?? 0), aside: Number(rows[0]?.aside ?? 0) }));
      last = { at: Date.now(), read: query };
    }
    return last.read;
  };
  metrics.scrapeGauge('outbox_pending_messages', 'Outbox rows not yet published', [], async (gauge) => {
    gauge.set((await read()).count);
  });
  metrics.scrapeGauge('outbox_dead_letters', 'Outbox rows set aside because they can never be published (see outbox_dead_letters)', [], async (gauge) => {
    gauge.set((await read()).aside);
  });
  metrics.scrapeGauge('outbox_oldest_pending_age_seconds', 'Age of the oldest unpublished outbox row (0 when empty)', [], async (gauge) => {
    gauge.set((await read()).oldest);
  });
}
