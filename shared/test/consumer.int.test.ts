import { randomUUID } from 'node:crypto';
import { statement } from '../src/db/statement';
import { Consumer, type Settlement } from '../src/messaging/consumer';
import { ERROR_HEADER } from '../src/messaging/errorQueue';
import { TransientError } from '../src/messaging/failures';
import { handler } from '../src/messaging/handler';
import { declareEndpoint } from '../src/messaging/topology';
import { enqueue, message } from '../src/messaging/outbox';
import { BrokerAdmin } from '../src/broker/provision';
import { eventually, TcpProxy, TEST_ADMIN_URL } from '../src/testing';
import { openDatabase } from '../src/db/database';
import { Metrics } from '../src/metrics';
import { z } from 'zod';
import { contract } from '../src/contracts/common';
import { effects as effectRows, kernelFixture, Ping, Pong, Probe, runtime, takeAll, type KernelFixture } from './kernelFixture';

/** Handled by an endpoint whose database is always down: its breaker opens at the first failure. */
const Drip = contract('test.kernel.Drip', z.object({ orderId: z.uuid(), n: z.number().int() }), { producer: 'guest' });

let fx: KernelFixture;
let consumer: Consumer;
/** A second endpoint with a breaker that trips easily, so the outage test's breaker sees only its own traffic. */
let fragile: Consumer;
const fragileSettled: Settlement[] = [];
let failuresLeft = 0;
let outage = false;
let runs = 0;
let settled: Settlement[] = [];
const RETRY = { immediateRetries: 1, delaysMs: [50, 100], jitter: 0 };
const ENDPOINT = 'sink';

/** n < 0: a bug (permanent); n >= 1000: always fails transiently; failuresLeft / outage: transient failures for a while. */
const recordEffect = (messageId: string, n: number) => statement('effect', (db) => db.insert(effectRows).values({ messageId, n }));

const onPing = handler(Ping, { handle: ({ body, envelope, send, write }) => {
  runs += 1;
  if (outage) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  write(recordEffect(envelope.messageId, body.n));
  if (body.n < 0) throw new Error(`ping ${body.n} always fails`);
  if (body.n >= 1000) throw new TransientError(`ping ${body.n} keeps timing out`);
  if (failuresLeft > 0) {
    failuresLeft -= 1;
    throw new TransientError('transient failure');
  }
  send(message(Pong, { orderId: body.orderId, n: body.n }, { type: 'order', id: body.orderId }));
} });

const onProbe = handler(Probe, { handle: ({ body, envelope, write }) => {
  if (outage) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  write(recordEffect(envelope.messageId, body.n));
} });

beforeAll(async () => {
  fx = await kernelFixture('consumer');
  consumer = await fx.consumer(ENDPOINT, [onPing], {
    retry: RETRY,
    breaker: { resetTimeoutMs: 500, volumeThreshold: 10_000, errorThresholdPercentage: 50, rollingWindowMs: 10_000 },
  });
  consumer.on('settled', (settlement) => settled.push(settlement));
  fragile = await fx.consumer('fragile', [onProbe], {
    retry: RETRY,
    breaker: { resetTimeoutMs: 300, volumeThreshold: 4, errorThresholdPercentage: 50, rollingWindowMs: 10_000 },
  });
  fragile.on('settled', (settlement) => fragileSettled.push(settlement));
});
afterAll(async () => {
  await fx.close();
});
beforeEach(async () => {
  await fx.query('truncate effects, inbox, outbox');
  await fx.channel.purgeQueue(fx.topology.errorQueue(ENDPOINT));
  failuresLeft = 0;
  outage = false;
  runs = 0;
  settled = [];
});

function publish(body: unknown, overrides: { messageId?: string; type?: string; toQueue?: boolean } = {}): string {
  return fx.publish(body, {
    type: overrides.type ?? Ping.messageType,
    messageId: overrides.messageId,
    toQueue: overrides.toQueue ? fx.topology.queue(ENDPOINT) : undefined,
  });
}

const effects = () => fx.query('select message_id, n from effects order by n');
const queueDepth = async (queue: string) => (await fx.channel.checkQueue(queue)).messageCount;
/** Waits until the consumer has acknowledged `count` deliveries, and returns what became of them. */
const acknowledged = (count: number) =>
  eventually(() => settled.length >= count && settled.map((s) => s.result), { what: `${count} acknowledged deliveries` });

async function errorMessages(count: number) {
  const seen: Awaited<ReturnType<typeof takeAll>> = [];
  await eventually(async () => {
    seen.push(...(await takeAll(fx.channel, fx.topology.errorQueue(ENDPOINT))));
    return seen.length >= count;
  }, { what: `${count} error-queue messages` });
  return seen;
}

describe('consumer', () => {
  it('handles a message in one transaction with its inbox row and its reply', async () => {
    const messageId = publish({ orderId: randomUUID(), n: 1 });
    expect(await acknowledged(1)).toEqual(['handled']);
    expect(await effects()).toEqual([{ message_id: messageId, n: 1 }]);
    const [reply] = await fx.query('select type, headers from outbox');
    expect(reply!.type).toBe('test.kernel.Pong');
    expect(reply!.headers).toMatchObject({ causationId: messageId, source: 'test' });
    const inbox = await fx.query('select consumer, message_id from inbox');
    expect(inbox.map((r) => ({ ...r }))).toEqual([{ consumer: ENDPOINT, message_id: messageId }]);
  });

  it('acknowledges a duplicate delivery without a second effect', async () => {
    const messageId = randomUUID();
    const body = { orderId: randomUUID(), n: 7 };
    publish(body, { messageId });
    publish(body, { messageId });
    publish(body, { messageId });
    expect((await acknowledged(3)).sort()).toEqual(['duplicate', 'duplicate', 'handled']);
    expect(await effects()).toHaveLength(1);
    const replies = await fx.query('select count(*)::int as n from outbox');
    expect(replies[0]!.n).toBe(1);
    expect(await queueDepth(fx.topology.errorQueue(ENDPOINT))).toBe(0);
  });

  it('rejects a body that breaks its contract to the error queue at once, naming the field', async () => {
    const messageId = publish({ orderId: 'not-a-uuid', n: 1.5 });
    expect(await acknowledged(1)).toEqual(['rejected']);
    const [rejected] = await errorMessages(1);
    const headers = rejected!.properties.headers!;
    expect(rejected!.properties.messageId).toBe(messageId);
    expect(headers[ERROR_HEADER.reason]).toBe('contract-violation');
    expect(headers[ERROR_HEADER.message]).toMatch(/orderId/);
    expect(headers[ERROR_HEADER.message]).toMatch(/n/);
    expect(headers[ERROR_HEADER.attempts]).toBe(1);
    expect(headers[ERROR_HEADER.originalQueue]).toBe(fx.topology.queue(ENDPOINT));
    expect(headers[ERROR_HEADER.originalRoutingKey]).toBe('test.kernel.Ping');
    expect(await effects()).toEqual([]);
  });

  it('rejects a body that is not JSON', async () => {
    publish('{"orderId":');
    expect(await acknowledged(1)).toEqual(['rejected']);
    const [rejected] = await errorMessages(1);
    expect(rejected!.properties.headers![ERROR_HEADER.message]).toBe('body is not valid JSON');
  });

  it('rejects a message type it has no handler for', async () => {
    publish({ anything: true }, { type: 'test.kernel.Unknown', toQueue: true });
    expect(await acknowledged(1)).toEqual(['rejected']);
    const [rejected] = await errorMessages(1);
    expect(rejected!.properties.headers![ERROR_HEADER.reason]).toBe('unknown-message-type');
  });

  it('retries a transient failure in process, then through a retry queue, and succeeds without a human', async () => {
    failuresLeft = 2;
    publish({ orderId: randomUUID(), n: 3 });
    expect(await acknowledged(2)).toEqual(['retried', 'handled']);
    expect(runs).toBe(3);
    expect(await effects()).toHaveLength(1);
    expect(await queueDepth(fx.topology.errorQueue(ENDPOINT))).toBe(0);
  });

  it('moves a message that keeps failing transiently to the error queue after exactly the configured deliveries', async () => {
    publish({ orderId: randomUUID(), n: 1000 });
    expect(await acknowledged(3)).toEqual(['retried', 'retried', 'rejected']);
    expect(runs).toBe((1 + RETRY.immediateRetries) * (1 + RETRY.delaysMs.length));
    const [rejected] = await errorMessages(1);
    const headers = rejected!.properties.headers!;
    expect(headers[ERROR_HEADER.reason]).toBe('retries-exhausted');
    expect(headers[ERROR_HEADER.attempts]).toBe(3);
    expect(headers[ERROR_HEADER.message]).toBe('ping 1000 keeps timing out');
    expect(headers[ERROR_HEADER.originalExchange]).toBe(fx.topology.exchange);
    expect(headers[ERROR_HEADER.originalRoutingKey]).toBe('test.kernel.Ping');
    expect(headers[ERROR_HEADER.failedBy]).toBe('test');
    expect(Date.parse(headers[ERROR_HEADER.firstFailureAt])).toBeLessThanOrEqual(Date.parse(headers[ERROR_HEADER.lastFailureAt]));
    expect(headers['x-death']).toBeUndefined();
    expect(await effects()).toEqual([]);
  });

  it('moves a message whose handler has a bug to the error queue at once, with no effect left', async () => {
    publish({ orderId: randomUUID(), n: -1 });
    expect(await acknowledged(1)).toEqual(['rejected']);
    expect(runs).toBe(1);
    const [rejected] = await errorMessages(1);
    const headers = rejected!.properties.headers!;
    expect(headers[ERROR_HEADER.reason]).toBe('permanent-failure');
    expect(headers[ERROR_HEADER.attempts]).toBe(1);
    expect(headers[ERROR_HEADER.message]).toBe('ping -1 always fails');
    expect(headers[ERROR_HEADER.stack]).toMatch(/Error: ping -1 always fails/);
    expect(await effects()).toEqual([]);
    expect((await fx.query('select 1 from inbox')).length).toBe(0);
  });

  it('opens its breaker in an outage and leaves messages in the work queue, then drains them after recovery', async () => {
    outage = true;
    for (let n = 0; n < 12; n += 1) publish({ orderId: randomUUID(), n }, { type: Probe.messageType });
    await eventually(() => fragile.breakerState === 'open', { what: 'the breaker to open' });
    await eventually(async () => (await queueDepth(fx.topology.queue('fragile'))) > 0, { what: 'messages waiting in the work queue' });
    expect(await queueDepth(fx.topology.errorQueue('fragile'))).toBe(0);
    outage = false;
    await eventually(async () => (await effects()).length === 12, { what: 'all 12 effects after recovery' });
    await eventually(() => fragileSettled.filter((s) => s.result === 'handled').length === 12, { what: '12 acknowledged' });
    expect(fragile.breakerState).toBe('closed');
    expect(fragileSettled.filter((s) => s.result === 'rejected')).toEqual([]);
    expect(await queueDepth(fx.topology.errorQueue('fragile'))).toBe(0);
  });

  it('sends a message that keeps failing while the breaker is open or half-open to the error queue after its rotations', async () => {
    const onDrip = handler(Drip, {
      handle: () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
    });
    const down = await fx.consumer('down', [onDrip], {
      retry: { immediateRetries: 0, delaysMs: [50], jitter: 0 },
      breaker: { resetTimeoutMs: 50, volumeThreshold: 1, errorThresholdPercentage: 1, rollingWindowMs: 10_000 },
      maxRotations: 3,
    });
    const outcomes: string[] = [];
    down.on('settled', (settlement) => outcomes.push(settlement.result));
    fx.publish({ orderId: randomUUID(), n: 1 }, { type: Drip.messageType });
    const [dead] = await eventually(async () => {
      const taken = await takeAll(fx.channel, fx.topology.errorQueue('down'));
      return taken.length > 0 && taken;
    }, { what: 'the message in the error queue' });
    expect(outcomes).toEqual(['rotated', 'rotated', 'rejected']);
    expect(dead!.properties.headers).toMatchObject({ [ERROR_HEADER.reason]: 'retries-exhausted', 'x-breaker-rotations': 2 });
    expect(dead!.properties.headers![ERROR_HEADER.message]).toMatch(/failed 3 times while the circuit breaker was open or half-open/);
    await down.stop();
  });

  it('waits out a database outage longer than its retries at the lowest traffic: one message, never in the error queue', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', Number(new URL(fx.databaseUrl).port || 5432));
    const viaProxy = new URL(fx.databaseUrl);
    viaProxy.port = String(proxy.port);
    const database = openDatabase(viaProxy.toString(), { max: 2 });
    const metrics = new Metrics('test');
    const onDrip = handler(Drip, { handle: ({ body, envelope, write }) => void write(recordEffect(envelope.messageId, body.n)) });
    // Three deliveries 50 and 100 ms apart and a breaker that needs volume to open: without
    // the probe, the message would be in the error queue well before the outage ends.
    const lonely = await fx.consumer('lonely', [onDrip], {
      pool: database.pool,
      metrics,
      retry: { immediateRetries: 0, delaysMs: [50, 100], jitter: 0 },
      breaker: { resetTimeoutMs: 100, volumeThreshold: 10_000, errorThresholdPercentage: 50, rollingWindowMs: 10_000 },
    });
    const outcomes: string[] = [];
    lonely.on('settled', (settlement) => outcomes.push(settlement.result));
    const probesWhileDown = async () =>
      (await metrics.breakerEvents.get()).values.filter((v) => v.labels.event === 'half_open').reduce((sum, v) => sum + v.value, 0);
    try {
      await proxy.cut();
      const id = fx.publish({ orderId: randomUUID(), n: 7 }, { type: Drip.messageType });
      await eventually(() => lonely.breakerState === 'open', { what: 'the breaker to open on the failed probe' });
      await eventually(async () => (await probesWhileDown()) >= 10, { what: 'ten half-open probes to fail while the database is down' });
      expect(await queueDepth(fx.topology.errorQueue('lonely'))).toBe(0);
      await proxy.restore();
      await eventually(() => outcomes.includes('handled'), { what: 'the message handled after recovery' });
      expect(outcomes).toEqual(['rotated', 'handled']);
      expect(await fx.query('select 1 from effects where message_id = $1', [id])).toHaveLength(1);
      expect(lonely.breakerState).toBe('closed');
      expect(await queueDepth(fx.topology.errorQueue('lonely'))).toBe(0);
    } finally {
      await lonely.stop();
      await database.close();
      await proxy.close();
    }
  });

  it('rejects a message it cannot move to its retry queue (the broker refuses it), so it is dead-lettered to the error queue, not left unacknowledged', async () => {
    const onDrip = handler(Drip, {
      handle: () => {
        throw new TransientError('database busy');
      },
    });
    const full = await fx.consumer('full', [onDrip], {
      retry: { immediateRetries: 0, delaysMs: [60_000], jitter: 0 },
      breaker: { resetTimeoutMs: 500, volumeThreshold: 10_000, errorThresholdPercentage: 50, rollingWindowMs: 10_000 },
    });
    // The retry queue holds three messages, then a policy caps it at one: the quorum queue
    // (reject-publish), over its limit, nacks the consumer's republish.
    const admin = new BrokerAdmin(TEST_ADMIN_URL);
    const retryQueue = fx.topology.retryQueue('full', 60_000);
    for (let n = 0; n < 3; n += 1) fx.channel.publish(fx.topology.directExchange('full'), retryQueue, Buffer.from('{}'), { headers: { filler: n } });
    await eventually(async () => (await queueDepth(retryQueue)) === 3, { what: 'the retry queue to fill' });
    const policy = `${fx.topology.namespace}-full-retry`;
    await admin.request('PUT', `policies/%2F/${policy}`, { pattern: `^${retryQueue.replaceAll('.', '\\.')}$`, definition: { 'max-length': 1 }, 'apply-to': 'queues' });
    try {
      await eventually(async () => {
        const queue = (await admin.request('GET', `queues/%2F/${encodeURIComponent(retryQueue)}`)) as { effective_policy_definition?: Record<string, unknown> };
        return queue.effective_policy_definition?.['max-length'] === 1;
      }, { what: 'the policy to apply' });
      const outcomes: string[] = [];
      full.on('settled', (settlement) => outcomes.push(settlement.result));
      const id = fx.publish({ orderId: randomUUID(), n: 1 }, { type: Drip.messageType });
      const [dead] = await eventually(async () => {
        const taken = await takeAll(fx.channel, fx.topology.errorQueue('full'));
        return taken.length > 0 && taken;
      }, { what: 'the message in the error queue' });
      expect(outcomes).toEqual(['nacked']);
      expect(dead!.properties.messageId).toBe(id);
      expect(dead!.properties.headers).toMatchObject({ 'x-first-death-reason': 'rejected', 'x-first-death-queue': fx.topology.queue('full') });
      expect(await queueDepth(fx.topology.queue('full'))).toBe(0);
    } finally {
      await admin.request('DELETE', `policies/%2F/${policy}`, undefined, { missingOk: true });
      await full.stop();
    }
  });

  it('has one effect when the relay crashed after publishing and published the message again', async () => {
    let crashes = 0;
    const relay = fx.relay({
      pollIntervalMs: 50,
      afterPublish: () => {
        crashes += 1;
        if (crashes === 1) throw new Error('simulated crash between publish and delete');
      },
    });
    const orderId = randomUUID();
    const context = { source: 'test', correlationId: orderId, causationId: null, conversationId: orderId, runtime };
    await enqueue(fx.database.db, context, [message(Ping, { orderId, n: 5 }, { type: 'order', id: orderId })]);
    await relay.start();
    try {
      // The relay also publishes the consumer's Pong reply; only the two Ping deliveries reach this queue.
      expect((await acknowledged(2)).sort()).toEqual(['duplicate', 'handled']);
    } finally {
      await relay.stop();
    }
    expect(crashes).toBeGreaterThanOrEqual(2);
    expect(await effects()).toHaveLength(1);
  });

  it('consumes again on a new channel after the broker closed its channel, and handles the message it held', async () => {
    // Its retry exchange gone, the consumer's republish of a failed delivery makes the broker close its channel (404).
    await fx.channel.deleteExchange(fx.topology.directExchange(ENDPOINT));
    failuresLeft = 2; // both in-process tries fail: the retry queue is next
    const id = fx.publish({ orderId: randomUUID(), n: 7 }, { type: Ping.messageType });
    // Re-subscribed (its endpoint declared again), it gets the unacknowledged message back and handles it.
    await eventually(async () => (await effects()).some((row) => row.message_id === id && row.n === 7), { what: 'the held message handled after the channel came back' });
    await eventually(() => consumer.consuming, { what: 'the consumer consuming again' });
  });

  it('fails to start when the broker refuses its consume, instead of running without consuming', async () => {
    // Another connection holds the queue exclusively: the broker refuses any other consumer (403).
    const holder = await fx.amqp.current().createChannel();
    await declareEndpoint(holder, fx.topology, 'held', [Probe.messageType]);
    await holder.consume(fx.topology.queue('held'), () => undefined, { exclusive: true });
    try {
      await expect(fx.consumer('held', [onProbe], {})).rejects.toThrow(/exclusive|ACCESS_REFUSED/i);
    } finally {
      await holder.close();
    }
    // Once the queue is free, a consumer starts, consumes and says so.
    const started = await fx.consumer('held', [onProbe], {});
    expect(started.consuming).toBe(true);
  });

  it('binds its queue to exactly the message types it handles', async () => {
    expect(consumer.messageTypes).toEqual([Ping.messageType]);
    fx.channel.publish(fx.topology.exchange, 'test.kernel.Other', Buffer.from('{}'));
    publish({ orderId: randomUUID(), n: 9 });
    expect(await acknowledged(1)).toEqual(['handled']);
    // The unbound type never reached the queue: nothing else was delivered, nothing rejected.
    expect(settled).toHaveLength(1);
    expect(await queueDepth(fx.topology.queue(ENDPOINT))).toBe(0);
  });
});
