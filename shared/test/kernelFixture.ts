import type { Channel, ConsumeMessage, GetMessage } from 'amqplib';
import { z } from 'zod';
import { contract } from '../src/contracts/common';
import { openDatabase, type DatabaseHandle } from '../src/db/database';
import { applyMigrations } from '../src/db/migrate';
import { createLogger } from '../src/logging';
import { AmqpClient } from '../src/messaging/amqp';
import { declareExchange, topology, type Topology } from '../src/messaging/topology';
import { systemRuntime } from '../src/runtime';
import { createTestDatabase, deleteNamespace, dropTestDatabase, TEST_AMQP_URL, uniqueName } from '../src/testing';

export const Ping = contract('test.kernel.Ping', z.object({ orderId: z.uuid(), n: z.number().int() }));
export const Probe = contract('test.kernel.Probe', z.object({ orderId: z.uuid(), n: z.number().int() }));
export const Pong = contract('test.kernel.Pong', z.object({ orderId: z.uuid(), n: z.number().int() }));

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
  close(): Promise<void>;
}

/** A database with the kernel's tables and a broker namespace, both the test file's own. */
export async function kernelFixture(name: string): Promise<KernelFixture> {
  const url = await createTestDatabase(name);
  const database = openDatabase(url);
  await applyMigrations(database);
  await database.pool.query('create table effects (message_id text not null, n int not null)');
  const topo = topology(uniqueName(name).replaceAll('_', '-'));
  const amqp = new AmqpClient({ url: TEST_AMQP_URL, name: `test-${name}`, logger: silentLogger });
  await amqp.start();
  const channel = await amqp.current().createChannel();
  await declareExchange(channel, topo);
  const captureQueue = `${topo.namespace}.capture`;
  await channel.assertQueue(captureQueue, { durable: false });
  await channel.bindQueue(captureQueue, topo.exchange, '#');
  const queues = [captureQueue];
  return {
    database,
    databaseUrl: url,
    query: async (text, params) => (await database.pool.query(text, params)).rows,
    amqp,
    topology: topo,
    channel,
    captureQueue,
    queues,
    close: async () => {
      await channel.close().catch(() => undefined);
      await amqp.close();
      await database.close();
      await deleteNamespace(topo.namespace, queues);
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
