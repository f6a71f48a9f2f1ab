import { randomUUID } from 'node:crypto';
import type { GetMessage } from 'amqplib';
import { enqueue, message } from '../src/messaging/outbox';
import { OutboxRelay, type RelayOptions } from '../src/messaging/relay';
import { eventually } from '../src/testing';
import { bodyOf, kernelFixture, Ping, runtime, takeAll, type KernelFixture } from './kernelFixture';

let fx: KernelFixture;
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  fx = await kernelFixture('relay');
});
afterAll(async () => {
  await fx.close();
});
beforeEach(async () => {
  await fx.query('truncate outbox');
  await fx.channel.purgeQueue(fx.captureQueue);
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
});

async function startRelay(options: Partial<RelayOptions> = {}): Promise<OutboxRelay> {
  const relay = fx.relay(options);
  relays.push(relay);
  await relay.start();
  return relay;
}

async function insertPings(count: number, orderId = randomUUID()): Promise<string> {
  const context = { source: 'test', correlationId: orderId, causationId: null, conversationId: orderId, runtime };
  const pings = Array.from({ length: count }, (_, n) => message(Ping, { orderId, n }, { type: 'order', id: orderId }));
  await fx.database.db.transaction((tx) => enqueue(tx, context, pings));
  return orderId;
}

async function captured(count: number): Promise<GetMessage[]> {
  const seen: GetMessage[] = [];
  await eventually(async () => {
    seen.push(...(await takeAll(fx.channel, fx.captureQueue)));
    return seen.length >= count;
  }, { what: `${count} published messages` });
  return seen;
}

const outboxCount = async () => Number((await fx.query('select count(*)::int as n from outbox'))[0]!.n);

describe('outbox relay', () => {
  it('publishes committed rows in order with their envelope, then removes them', async () => {
    const orderId = await insertPings(3);
    await startRelay();
    const messages = await captured(3);
    expect(messages.map((m) => (bodyOf(m) as { n: number }).n)).toEqual([0, 1, 2]);
    expect(messages[0]!.properties).toMatchObject({
      type: 'test.kernel.Ping',
      correlationId: orderId,
      appId: 'test',
      deliveryMode: 2,
      contentType: 'application/json',
    });
    expect(messages[0]!.fields.routingKey).toBe('test.kernel.Ping');
    await eventually(async () => (await outboxCount()) === 0, { what: 'an empty outbox' });
  });

  it('publishes nothing from a transaction that rolled back', async () => {
    await startRelay({ pollIntervalMs: 50 });
    const orderId = randomUUID();
    await fx.database.db
      .transaction(async (tx) => {
        await enqueue(tx, { source: 'test', correlationId: orderId, causationId: null, conversationId: orderId, runtime }, [
          message(Ping, { orderId, n: 1 }, { type: 'order', id: orderId }),
        ]);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await insertPings(1);
    const messages = await captured(1);
    expect(messages.every((m) => m.properties.correlationId !== orderId)).toBe(true);
  });

  it('is woken by NOTIFY when a row is committed, without waiting for its poll', async () => {
    const relay = await startRelay({ pollIntervalMs: 3_600_000 });
    await relay.drainOnce();
    await insertPings(1);
    expect(await captured(1)).toHaveLength(1);
  });

  it('publishes a row again when it crashed after the publish and before the delete', async () => {
    let crashes = 0;
    await insertPings(1);
    await startRelay({
      pollIntervalMs: 50,
      afterPublish: () => {
        crashes += 1;
        if (crashes === 1) throw new Error('simulated crash between publish and delete');
      },
    });
    const messages = await captured(2);
    expect(messages[0]!.properties.messageId).toBe(messages[1]!.properties.messageId);
    await eventually(async () => (await outboxCount()) === 0, { what: 'an empty outbox' });
  });

  /** Waits for the outbox to drain, then checks that each of its `count` rows was published exactly once. */
  async function expectEachPublishedOnce(count: number) {
    const messages = await captured(count);
    await eventually(async () => (await outboxCount()) === 0, { what: 'an empty outbox' });
    messages.push(...(await takeAll(fx.channel, fx.captureQueue)));
    const ids = messages.map((m) => m.properties.messageId as string);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
  }

  it('shares one outbox between two relays without publishing a row twice', async () => {
    await insertPings(600);
    await Promise.all([startRelay({ batchSize: 50 }), startRelay({ batchSize: 50 })]);
    await expectEachPublishedOnce(600);
  });

  it('runs several workers on one relay without publishing a row twice', async () => {
    await insertPings(600);
    await startRelay({ batchSize: 20, workers: 3 });
    await expectEachPublishedOnce(600);
  });

  it('refuses a batch size or worker count that is not a positive integer', () => {
    expect(() => fx.relay({ batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => fx.relay({ workers: 1.5 })).toThrow(/workers must be a positive integer/);
  });
});
