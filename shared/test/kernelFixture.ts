import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage, GetMessage } from 'amqplib';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { contract } from '../src/contracts/common';
import { openDatabase, type DatabaseHandle } from '../src/db/database';
import { applyMigrations } from '../src/db/migrate';
import { createLogger } from '../src/logging';
import { AmqpClient } from '../src/messaging/amqp';
import { Consumer, type ConsumerOptions } from '../src/messaging/consumer';
import { toPublishOptions } from '../src/messaging/envelope';
import type { MessageHandler } from '../src/messaging/handler';
import { OutboxRelay, type RelayOptions } from '../src/messaging/relay';
import { retryQueueDelays } from '../src/messaging/retryPolicy';
import { declareExchange, topology, type Topology } from '../src/messaging/topology';
import { systemRuntime } from '../src/runtime';
import { createTestDatabase, deleteNamespace, dropTestDatabase, TEST_AMQP_URL, TestBroker, uniqueName } from '../src/testing';

// The kernel's tests run as the broker's guest user in the default vhost: guest is the producer of their messages.
const Numbered = z.object({ orderId: z.uuid(), n: z.number().int() });
export const Ping = contract('test.kernel.Ping', Numbered, { producer: 'guest' });
export const Probe = contract('test.kernel.Probe', Numbered, { producer: 'guest' });
export const Pong = contract('test.kernel.Pong', Numbered, { producer: 'guest' });

/** What the test handlers write: one row per effect. */
export const effects = pgTable('effects', { messageId: text('message_id').notNull(), n: integer('n').notNull() });

export const silentLogger = createLogger('test', 'silent');

export interface KernelFixture {
  database: DatabaseHandle;
  databaseUrl: string;
  /** Runs SQL on the test database and returns its rows. */
  query(text: string, params?: unknown[]): Promise<Array<Record<string, any>>>;
  amqp: AmqpClient;
  topology: Topology;
  /** A channel for the test's own publishing and inspection. */
  channel: Channel;
  /** A queue bound to every message type in the namespace: what the relay published. */
  captureQueue: string;
  queues: string[];
  /** Starts a consumer for `endpoint` on the fixture's database and broker (its queues are removed at close). */
  consumer(endpoint: string, handlers: MessageHandler[], options: Partial<ConsumerOptions>): Promise<Consumer>;
  /** A relay over the fixture's outbox (not started). */
  relay(options?: Partial<RelayOptions>): OutboxRelay;
  /**
   * Publishes a body with a fresh envelope (correlated with the body's orderId, if any) to
   * the exchange (or straight to a queue); returns its message id.
   */
  publish(body: unknown, options: { type: string; messageId?: string; toQueue?: string }): string;
  /** With `asServices`: the vhost and its users. */
  broker?: TestBroker;
  close(): Promise<void>;
}

/**
 * `asServices`: run as the system does, in a provisioned vhost of the fixture's own: the
 * consumers (endpoint `billing`), the relay and the inspection channel as the billing user,
 * and `publish` as the order user, which may also publish `test.kernel.*`. Contracts the
 * consumers take must then name `order` as their producer.
 */
export interface KernelFixtureOptions {
  asServices?: boolean;
}

/** A database with the kernel's tables and a broker namespace, both the test file's own. */
export async function kernelFixture(name: string, { asServices = false }: KernelFixtureOptions = {}): Promise<KernelFixture> {
  const url = await createTestDatabase(name);
  const database = openDatabase(url);
  await applyMigrations(database);
  await database.pool.query('create table effects (message_id text not null, n int not null)');
  const topo = topology(uniqueName(name).replaceAll('_', '-'));
  const broker = asServices ? await TestBroker.provision(topo.namespace, ['order', 'billing'], { order: '^(domain\\.order|test\\.kernel)\\.' }) : undefined;
  const amqp = new AmqpClient({ url: broker?.urlOf('billing') ?? TEST_AMQP_URL, name: `test-${name}`, logger: silentLogger });
  await amqp.start();
  const channel = await amqp.current().createChannel();
  await declareExchange(channel, topo);
  const publisherConnection = broker ? await broker.connectAs('order') : undefined;
  const publisher = publisherConnection ? await publisherConnection.createChannel() : channel;
  const publisherUser = broker ? 'order' : amqp.user;
  const captureQueue = broker ? `${topo.queue('billing')}.capture` : `${topo.namespace}.capture`;
  await channel.assertQueue(captureQueue, { durable: false });
  await channel.bindQueue(captureQueue, topo.exchange, '#');
  const queues = [captureQueue];
  const consumers: Consumer[] = [];
  return {
    database,
    databaseUrl: url,
    query: async (text, params) => (await database.pool.query(text, params)).rows,
    amqp,
    topology: topo,
    channel,
    captureQueue,
    queues,
    consumer: async (endpoint, handlers, options) => {
      const consumer = new Consumer({
        endpoint,
        service: 'test',
        handlers,
        pool: database.pool,
        amqp,
        topology: topo,
        logger: silentLogger,
        runtime: systemRuntime,
        ...options,
      });
      const delays = options.retry ? retryQueueDelays(options.retry) : [];
      queues.push(topo.queue(endpoint), topo.errorQueue(endpoint), ...delays.map((d) => topo.retryQueue(endpoint, d)));
      consumers.push(consumer);
      await consumer.start();
      return consumer;
    },
    relay: (options = {}) =>
      new OutboxRelay({ pool: database.pool, databaseUrl: url, amqp, topology: topo, logger: silentLogger, ...options }),
    publish: (body, { type, messageId = randomUUID(), toQueue }) => {
      const named = (body as { orderId?: unknown } | undefined)?.orderId;
      const orderId = typeof named === 'string' && named.length > 0 && named.length < 200 ? named : randomUUID();
      const options = toPublishOptions(
        {
          messageId,
          messageType: type,
          correlationId: orderId,
          causationId: null,
          conversationId: orderId,
          sentAt: new Date().toISOString(),
          source: 'test',
        },
        publisherUser,
      );
      const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      if (toQueue) publisher.sendToQueue(toQueue, content, options);
      else publisher.publish(topo.exchange, type, content, options);
      return messageId;
    },
    broker,
    close: async () => {
      for (const consumer of consumers) await consumer.stop();
      await channel.close().catch(() => undefined);
      await publisherConnection?.close().catch(() => undefined);
      await amqp.close();
      await database.close();
      if (broker) await broker.delete();
      else await deleteNamespace(topo.namespace, queues);
      await dropTestDatabase(url);
    },
  };
}

/** Takes every message currently in a queue. */
export async function takeAll(channel: Channel, queue: string): Promise<GetMessage[]> {
  const messages: GetMessage[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (!message) return messages;
    messages.push(message);
  }
}

export const bodyOf = (message: ConsumeMessage | GetMessage) => JSON.parse(message.content.toString()) as unknown;

export const runtime = systemRuntime;
