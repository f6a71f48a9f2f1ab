import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Channel, ChannelModel } from 'amqplib';
import { declareEndpoint, ERROR_HEADER, HEADER, RETRY_HEADER, topology } from '@saga/shared';
import { applyMigrations, openDatabase, outboxDeadLetters } from '@saga/shared';
import { handWrittenRow } from '../../../shared/test/handWrittenOutboxRows';
import { createTestDatabase, dropTestDatabase, eventually, TestBroker, uniqueName } from '@saga/shared/testing';
import { SERVICE_NAMES } from '../../../services/registry';
import { runCli } from '../src/cli';

const namespace = uniqueName('dlq').replaceAll('_', '-');
const auditLog = path.join(os.tmpdir(), `${namespace}-audit.jsonl`);
const topo = topology(namespace);
const errorQueue = topo.errorQueue('billing');
/** Stands in for the billing work queue: where replayed messages must arrive. */
const workQueue = topo.queue('billing');
let broker: TestBroker;
let connection: ChannelModel;
let channel: Channel;

// The billing endpoint's queues in a vhost of the test's own, seen as the billing user
// (whose error queue the tool works on, connected as billing too).
beforeAll(async () => {
  broker = await TestBroker.provision(namespace, SERVICE_NAMES);
  connection = await broker.connectAs('billing');
  channel = await connection.createChannel();
  await declareEndpoint(channel, topo, 'billing', ['domain.order.ProcessPayment']);
});
afterAll(async () => {
  await rm(auditLog, { force: true });
  await connection.close();
  await broker.delete();
});
beforeEach(async () => {
  await channel.purgeQueue(errorQueue);
  await channel.purgeQueue(workQueue);
});

/** Puts a message in the error queue as the consumer would after its last attempt. */
function deadLetter(type: string, body: unknown = { orderId: randomUUID() }): string {
  const messageId = randomUUID();
  channel.publish(topo.directExchange('billing'), errorQueue, Buffer.from(JSON.stringify(body)), {
    persistent: true,
    messageId,
    type,
    correlationId: randomUUID(),
    contentType: 'application/json',
    userId: 'billing',
    headers: {
      'x-causation-id': randomUUID(),
      [HEADER.originalUserId]: 'order',
      [ERROR_HEADER.reason]: 'retries-exhausted',
      [ERROR_HEADER.message]: 'connect ECONNREFUSED 127.0.0.1:5432',
      [ERROR_HEADER.originalExchange]: topo.exchange,
      [ERROR_HEADER.originalRoutingKey]: type,
      [ERROR_HEADER.originalQueue]: workQueue,
      [ERROR_HEADER.attempts]: 4,
      [ERROR_HEADER.failedAt]: new Date().toISOString(),
      [ERROR_HEADER.failedBy]: 'billing',
      [RETRY_HEADER.attempt]: 3,
    },
  });
  return messageId;
}

/** Extra environment for the CLI (a service's database URL, say). */
let extraEnv: NodeJS.ProcessEnv = {};

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    interactive: false,
    env: { AMQP_URL: broker.url, MESSAGING_NAMESPACE: namespace, DLQ_AUDIT_LOG: auditLog, USER: 'ops-tester', ...extraEnv },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const depth = async (queue: string) => (await channel.checkQueue(queue)).messageCount;
async function drain(queue: string) {
  const messages = [];
  for (let m = await channel.get(queue, { noAck: true }); m; m = await channel.get(queue, { noAck: true })) messages.push(m);
  return messages;
}
const settle = (queue: string, count: number) =>
  eventually(async () => (await depth(queue)) === count, { what: `${count} messages in ${queue}` });

describe('saga-dlq', () => {
  it('lists the error queues of the namespace with their depths', async () => {
    deadLetter('domain.order.ProcessPayment');
    await settle(errorQueue, 1);
    const { code, out } = await cli('list');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`${errorQueue}\\s+1`));
    expect(out).toMatch(new RegExp(`${namespace}.order.error\\s+missing`));
  });

  it('shows messages with their reason and attempts, and removes none', async () => {
    const id = deadLetter('domain.order.ProcessPayment');
    deadLetter('domain.order.RefundPayment');
    await settle(errorQueue, 2);
    const { code, out } = await cli('show', errorQueue, '--limit', '5');
    expect(code).toBe(0);
    expect(out).toContain(id);
    expect(out).toMatch(/domain\.order\.ProcessPayment .*retries-exhausted\s+4\s+\d+s\s+connect ECONNREFUSED/);
    expect(out).toContain('2 message(s) shown');
    await settle(errorQueue, 2);
  });

  it('exports every message as JSON lines and removes none', async () => {
    const body = { orderId: randomUUID(), amount: '12.34' };
    const id = deadLetter('domain.order.ProcessPayment', body);
    await settle(errorQueue, 1);
    const file = path.join(os.tmpdir(), `${namespace}.jsonl`);
    const { code } = await cli('export', errorQueue, '--file', file);
    expect(code).toBe(0);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    await rm(file);
    expect(lines).toEqual([expect.objectContaining({ messageId: id, reason: 'retries-exhausted', attempts: 4, body })]);
    await settle(errorQueue, 1);
  });

  it('replays one type to where it came from with retry headers reset, and leaves the rest', async () => {
    const payment = deadLetter('domain.order.ProcessPayment');
    deadLetter('domain.order.RefundPayment');
    await settle(errorQueue, 2);
    const dry = await cli('replay', errorQueue, '--type', 'domain.order.ProcessPayment', '--dry-run');
    expect(dry.out).toContain('dry run: 1 message(s) would be replayed');
    await settle(errorQueue, 2);
    expect(await depth(workQueue)).toBe(0);

    const { code, out } = await cli('replay', errorQueue, '--type', 'domain.order.ProcessPayment');
    expect(code).toBe(0);
    expect(out).toContain('replayed 1 of 1 matching message(s)');
    await settle(workQueue, 1);
    const [replayed] = await drain(workQueue);
    expect(replayed!.properties.messageId).toBe(payment);
    expect(replayed!.fields.routingKey).toBe(workQueue);
    expect(replayed!.properties.userId).toBe('billing');
    const headers = replayed!.properties.headers!;
    expect(headers[HEADER.originalUserId]).toBe('order');
    expect(headers[RETRY_HEADER.attempt]).toBeUndefined();
    expect(headers[ERROR_HEADER.reason]).toBeUndefined();
    expect(headers[ERROR_HEADER.attempts]).toBeUndefined();
    expect(headers['x-causation-id']).toBeDefined();
    expect(headers['x-replayed-from']).toBe(errorQueue);
    const [left] = await drain(errorQueue);
    expect(left!.properties.type).toBe('domain.order.RefundPayment');
  });

  /**
   * Takes message `id` (the one in the work queue) and rejects it without requeue, as billing's
   * consumer does with what it cannot move: the work queue dead-letters it to the error queue.
   * Then replays it with the CLI, and returns the copy that came back to the work queue.
   */
  async function deadLetterAndReplay(id: string) {
    await settle(workQueue, 1);
    const message = await channel.get(workQueue, { noAck: false });
    channel.nack(message as Exclude<typeof message, false>, false, false);
    await settle(errorQueue, 1);
    expect((await cli('replay', errorQueue, '--id', id)).code).toBe(0);
    await settle(workQueue, 1);
    const [replayed] = await drain(workQueue);
    return replayed!;
  }

  it('replays a message the broker dead-lettered as its sender sent it, whatever x-original-user-id it claims', async () => {
    const orderConnection = await broker.connectAs('order');
    const publisher = await orderConnection.createConfirmChannel();
    const id = randomUUID();
    publisher.publish(topo.exchange, 'domain.order.ProcessPayment', Buffer.from('{}'), { messageId: id, userId: 'order', headers: { [HEADER.originalUserId]: 'inventory' } });
    await publisher.waitForConfirms();
    await orderConnection.close();
    const replayed = await deadLetterAndReplay(id);
    expect(replayed.properties.messageId).toBe(id);
    expect(replayed.properties.headers![HEADER.originalUserId]).toBe('order');
  });

  it('keeps the original sender of a message the service had put back in its own queue when the broker dead-letters it', async () => {
    // A retry the service republished as itself (user-id billing, the sender in x-original-user-id), then rejected
    // without requeue: the broker dead-letters it to the error queue, adding x-death.
    const id = randomUUID();
    channel.publish(topo.directExchange('billing'), workQueue, Buffer.from('{}'), {
      messageId: id,
      type: 'domain.order.ProcessPayment',
      userId: 'billing',
      headers: { [HEADER.originalUserId]: 'order' },
    });
    const replayed = await deadLetterAndReplay(id);
    expect(replayed.properties.headers![HEADER.originalUserId]).toBe('order');
  });

  it('replays one message by id, or all of them at a bounded rate', async () => {
    const ids = [deadLetter('domain.order.ProcessPayment'), deadLetter('domain.order.ProcessPayment'), deadLetter('domain.order.ReleaseInventory')];
    await settle(errorQueue, 3);
    expect((await cli('replay', errorQueue, '--id', ids[1]!)).code).toBe(0);
    await settle(workQueue, 1);
    expect((await cli('replay', errorQueue, '--all', '--rate', '20/s')).out).toContain('replayed 2 of 2');
    await settle(workQueue, 3);
    expect((await drain(workQueue)).map((m) => m.properties.messageId).sort()).toEqual([...ids].sort());
    expect(await depth(errorQueue)).toBe(0);
  });

  it('records every replay in the audit log: who, when, which messages, the result', async () => {
    const id = deadLetter('domain.order.ProcessPayment');
    await settle(errorQueue, 1);
    await cli('replay', errorQueue, '--id', id);
    const entries = (await readFile(auditLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(entries.at(-1)).toMatchObject({ command: 'replay', queue: errorQueue, user: 'ops-tester', messageIds: [id], replayed: 1, failed: [] });
    expect(Date.parse(entries.at(-1).at)).not.toBeNaN();
  });

  it('refuses to replay without a filter and to purge without --yes', async () => {
    deadLetter('domain.order.ProcessPayment');
    await settle(errorQueue, 1);
    expect((await cli('replay', errorQueue)).code).toBe(2);
    const refused = await cli('purge', errorQueue);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--yes');
    await settle(errorQueue, 1);
    expect((await cli('purge', errorQueue, '--yes')).out).toContain('purged 1 message(s)');
    await settle(errorQueue, 0);
  });

  it('loses nothing when a replay is killed midway', async () => {
    const ids = Array.from({ length: 12 }, () => deadLetter('domain.order.ProcessPayment'));
    await settle(errorQueue, 12);
    const bin = path.resolve(__dirname, '..', 'bin', 'saga-dlq.js');
    const child = spawn(process.execPath, [bin, 'replay', errorQueue, '--all', '--rate', '4/s'], {
      env: { ...process.env, AMQP_URL: broker.url },
      stdio: 'ignore',
    });
    await eventually(async () => (await depth(workQueue)) >= 2, { what: 'the replay to be under way' });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await eventually(async () => (await depth(workQueue)) + (await depth(errorQueue)) >= 12, { what: 'every message to be somewhere' });
    const seen = [...(await drain(workQueue)), ...(await drain(errorQueue))].map((m) => m.properties.messageId as string);
    expect(new Set(seen)).toEqual(new Set(ids));
  });
});

describe('saga-dlq outbox', () => {
  it('lists the rows a relay set aside, and moves one back into the outbox in one transaction', async () => {
    const url = await createTestDatabase('dlq_outbox');
    const database = openDatabase(url);
    try {
      await applyMigrations(database);
      const rows = [handWrittenRow('domain.billing.PaymentProcessed'), handWrittenRow('domain.billing.PaymentProcessed')];
      const [id, other] = rows.map((row) => row.id) as [string, string];
      await database.db
        .insert(outboxDeadLetters)
        .values(rows.map((row, seq) => ({ ...row, seq, reason: 'invalid envelope: x-conversation-id is longer than 255 bytes', failedAt: new Date() })));
      extraEnv = { BILLING_DATABASE_URL: url };
      const listed = await cli('outbox', 'list', '--service', 'billing');
      expect(listed.code).toBe(0);
      expect(listed.out).toContain(id);
      expect(listed.out).toContain('x-conversation-id is longer than 255 bytes');
      expect(listed.out).toContain('2 set-aside row(s) of billing');

      expect((await cli('outbox', 'retry', '--service', 'billing')).code).toBe(2);
      const notAnId = await cli('outbox', 'retry', '--service', 'billing', '--id', "1' or '1'='1");
      expect([notAnId.code, notAnId.err]).toEqual([2, expect.stringContaining('a uuid')]);
      expect((await cli('outbox', 'retry', '--service', 'billing', '--id', id, '--dry-run')).out).toContain('would move 1 row(s)');
      expect((await database.pool.query('select id from outbox')).rows).toEqual([]);
      const moved = await cli('outbox', 'retry', '--service', 'billing', '--id', id);
      expect(moved.out).toContain('moved 1 row(s) of billing back into the outbox');
      expect((await database.pool.query('select id from outbox')).rows).toEqual([{ id }]);
      expect((await database.pool.query('select id from outbox_dead_letters')).rows).toEqual([{ id: other }]);
      expect((await cli('outbox', 'list', '--service', 'nobody')).err).toContain('--service must be one of order, inventory, billing');
    } finally {
      extraEnv = {};
      await database.close();
      await dropTestDatabase(url);
    }
  });
});
