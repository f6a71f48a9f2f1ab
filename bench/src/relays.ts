import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel } from 'amqplib';
import { Pool } from 'pg';
import {
  DatabaseSetup,
  getDisabledLogger,
  initializeMessageStorage,
  initializePollingMessageListener,
  type PollingListenerConfig,
} from 'pg-transactional-outbox';
import {
  applyMigrations,
  createLogger,
  enqueue,
  message,
  openDatabase,
  OutboxRelay,
  AmqpClient,
  systemRuntime,
  topology,
} from '@saga/shared';
import { contract } from '@saga/shared/contracts';
import { serviceConfig } from '../../services/registry';
import { z } from 'zod';
import { percentiles, sleep, type Percentiles } from './stats';

const BenchEvent = contract('bench.relay.Event', z.object({ orderId: z.uuid(), n: z.number().int() }));
const silent = createLogger('bench', 'silent');

export interface RelayResult {
  /** Rows per second from start until every pre-filled row was confirmed by the broker (or the time limit). */
  drainRowsPerSecond: number;
  /** Whether every row went out before the time limit. */
  drained: boolean;
  /** Insert (commit) to arrival at a consumer, at the offered rate. */
  delay: Percentiles;
}

/** A queue bound to everything on an exchange, recording when each message id arrives. */
async function arrivals(connection: ChannelModel, exchange: string) {
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '#');
  const seen = new Map<string, number>();
  await channel.consume(queue, (m) => m && seen.set(String(m.properties.messageId), performance.now()), { noAck: true });
  return seen;
}

async function offer(rate: number, durationMs: number, insertOne: (id: string) => Promise<void>) {
  const committedAt = new Map<string, number>();
  const interval = 1000 / rate;
  const started = performance.now();
  const inserts: Array<Promise<void>> = [];
  for (let n = 0; performance.now() - started < durationMs; n += 1) {
    const wait = started + n * interval - performance.now();
    if (wait > 0) await sleep(wait);
    const id = randomUUID();
    inserts.push(insertOne(id).then(() => void committedAt.set(id, performance.now())));
  }
  await Promise.all(inserts);
  return committedAt;
}

const DRAIN_LIMIT_MS = 120_000;

/** Waits until `done()` or the time limit; returns rows per second and whether all went out. */
async function drain(rows: number, started: number, progressed: () => Promise<number>) {
  let sent = 0;
  while (performance.now() - started < DRAIN_LIMIT_MS) {
    sent = await progressed();
    if (sent >= rows) break;
    await sleep(20);
  }
  return { drainRowsPerSecond: sent / ((performance.now() - started) / 1000), drained: sent >= rows };
}

async function delays(committedAt: Map<string, number>, seen: Map<string, number>): Promise<Percentiles> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline && [...committedAt.keys()].some((id) => !seen.has(id))) await sleep(50);
  return percentiles([...committedAt].flatMap(([id, at]) => (seen.has(id) ? [Math.max(0, seen.get(id)! - at)] : [])));
}

/** Our relay: K rows pre-filled, then drained; then the insert-to-publish delay at `rate` rows/s. */
export async function ourRelay(databaseUrl: string, amqpUrl: string, rows: number, rate: number, durationMs: number): Promise<RelayResult> {
  const database = openDatabase(databaseUrl);
  await applyMigrations(database);
  const topo = topology(`bench-relay-${randomUUID().slice(0, 8)}`);
  const amqp = new AmqpClient({ url: amqpUrl, name: 'bench-relay', logger: silent });
  await amqp.start();
  const connection = await connect(amqpUrl, { noDelay: true });
  const seen = await arrivals(connection, topo.exchange);
  const context = (orderId: string) => ({ source: 'bench', correlationId: orderId, causationId: null, conversationId: orderId, runtime: systemRuntime });
  try {
    for (let done = 0; done < rows; done += 500) {
      const orderId = randomUUID();
      const batch = Array.from({ length: Math.min(500, rows - done) }, (_, i) => message(BenchEvent, { orderId, n: done + i }, { type: 'order', id: orderId }));
      await database.db.transaction((tx) => enqueue(tx, context(orderId), batch));
    }
    // The services' relay settings (RELAY_BATCH_SIZE, RELAY_WORKERS, defaults or as set).
    const { relayBatchSize: batchSize, relayWorkers: workers } = serviceConfig('order');
    const relay = new OutboxRelay({ pool: database.pool, databaseUrl, amqp, topology: topo, logger: silent, batchSize, workers });
    const started = performance.now();
    await relay.start();
    const drained = await drain(rows, started, async () => rows - (await database.pool.query<{ n: number }>('select count(*)::int as n from outbox')).rows[0]!.n);
    seen.clear();
    const committedAt = await offer(rate, durationMs, async (id) => {
      // The message id is the outbox row's id, which enqueue takes from the runtime.
      await database.db.transaction((tx) =>
        enqueue(tx, { ...context(id), runtime: { ...systemRuntime, newId: () => id } }, [message(BenchEvent, { orderId: id, n: 0 }, { type: 'order', id })]),
      );
    });
    const delay = await delays(committedAt, seen);
    await relay.stop();
    return { ...drained, delay };
  } finally {
    const channel = await connection.createChannel();
    await channel.deleteExchange(topo.exchange).catch(() => undefined);
    await connection.close().catch(() => undefined);
    await amqp.close();
    await database.close();
  }
}

/**
 * pg-transactional-outbox, set up as its README shows for the polling listener
 * (batch of 5, 250 ms polling interval), its handler publishing each message to
 * RabbitMQ and awaiting the broker's confirm.
 */
export async function peerRelay(databaseUrl: string, amqpUrl: string, rows: number, rate: number, durationMs: number): Promise<RelayResult> {
  const setup = { outboxOrInbox: 'outbox' as const, database: new URL(databaseUrl).pathname.slice(1), schema: 'public', table: 'ptx_outbox', listenerRole: 'unused', nextMessagesName: 'next_outbox_messages' };
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', () => undefined);
  await pool.query(DatabaseSetup.dropAndCreateTable(setup));
  await pool.query(DatabaseSetup.createPollingFunction(setup));
  await pool.query(DatabaseSetup.setupPollingIndexes(setup));
  const url = new URL(databaseUrl);
  const config: PollingListenerConfig = {
    outboxOrInbox: 'outbox',
    dbListenerConfig: { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) || undefined, database: setup.database },
    settings: {
      dbSchema: 'public',
      dbTable: 'ptx_outbox',
      nextMessagesBatchSize: 5,
      nextMessagesFunctionName: 'next_outbox_messages',
      nextMessagesPollingIntervalInMs: 250,
      enableMaxAttemptsProtection: false,
      enablePoisonousMessageProtection: false,
    },
  };
  const store = initializeMessageStorage(config, getDisabledLogger());
  const exchange = `bench-peer-${randomUUID().slice(0, 8)}.messages`;
  const connection = await connect(amqpUrl, { noDelay: true });
  const seen = await arrivals(connection, exchange);
  const publisher = await connection.createConfirmChannel();
  let published = 0;
  const insert = async (ids: string[]) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      for (const id of ids) {
        await store({ id, aggregateType: 'order', aggregateId: id, messageType: 'bench.relay.Event', payload: { orderId: id, n: 0 }, createdAt: new Date().toISOString() }, client);
      }
      await client.query('commit');
    } finally {
      client.release();
    }
  };
  try {
    for (let done = 0; done < rows; done += 500) await insert(Array.from({ length: Math.min(500, rows - done) }, () => randomUUID()));
    const started = performance.now();
    const [shutdown] = initializePollingMessageListener(
      config,
      {
        handle: async (m) => {
          publisher.publish(exchange, m.messageType, Buffer.from(JSON.stringify(m.payload)), { persistent: true, messageId: m.id });
          await publisher.waitForConfirms();
          published += 1;
        },
      },
      getDisabledLogger(),
    );
    const drained = await drain(rows, started, async () => published);
    seen.clear();
    const committedAt = await offer(rate, durationMs, (id) => insert([id]));
    const delay = await delays(committedAt, seen);
    await shutdown();
    return { ...drained, delay };
  } finally {
    await publisher.deleteExchange(exchange).catch(() => undefined);
    await connection.close().catch(() => undefined);
    await pool.end();
  }
}

