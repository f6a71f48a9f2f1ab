import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ERROR_HEADER, HEADER, topology } from '@saga/shared';
import { billing, inventory, order } from '@saga/shared/contracts';
import { eventually } from '@saga/shared/testing';
import { Shop } from '../support/api';
import { envelopeOf, healthOf, onExchange, publishAs, settledOn, takeErrorQueue, urlWith } from '../support/attacker';
import { brokenInvariants, type World } from '../support/invariants';
import { SERVICE_NAMES, TestSystem, type ServiceName } from '../support/system';
import { runCli } from '../../tools/dlq/src/cli';
import { handWrittenRow, insertHandWritten } from '../../shared/test/handWrittenOutboxRows';
import { takeAll } from '../../shared/test/kernelFixture';

// The system as an attacker meets it: an outsider with the broker's default credentials,
// a service publishing what is not its to publish, and a legitimate producer sending
// malformed, oversized or mismatched messages. After each case: the right error queue and
// reason (or the broker's refusal), nothing written, every service healthy, every outbox
// flowing (an honest order completes), and the saga invariants.

let system: TestSystem;
let shop: Shop;
const world: World = { products: [], accounts: [], orders: [] };
let product: string;
let buyer: string;

beforeAll(async () => {
  system = await TestSystem.start('adversarial_messages');
  shop = new Shop(system);
  product = await shop.createProduct(1000, '10.00', 'Widget');
  world.products.push({ id: product, initialStock: 1000 });
  buyer = randomUUID();
  await shop.createAccount(buyer, '1000.00');
  world.accounts.push({ userId: buyer, initialBalance: '1000.00' });
});
afterAll(async () => {
  await system?.stop();
});

/** An honest order placed now completes: the services consume, and their outboxes flow. */
async function honestOrderCompletes(): Promise<void> {
  const orderId = await shop.placeAcceptedOrder(buyer, [{ productId: product, quantity: 1, price: '10.00' }]);
  world.orders.push(orderId);
  expect(await shop.finished(orderId)).toMatchObject({ status: 'Completed' });
}

async function systemStillHolds(): Promise<void> {
  for (const [service, health] of Object.entries(await healthOf(system))) {
    expect([service, health.status, health.body.status]).toEqual([service, 200, 'up']);
  }
  for (const service of SERVICE_NAMES) expect([service, system.get(service).consumer.breakerState]).toEqual([service, 'closed']);
  await honestOrderCompletes();
  expect(await brokenInvariants(shop, system, world)).toEqual([]);
}

/** Publishes as `from`, expects `service` to refuse it into its error queue with `reason`, and returns the error-queue copy's headers. */
async function refusedInto(service: ServiceName, reason: string, from: ServiceName, type: string, body: unknown, options: ReturnType<typeof envelopeOf>) {
  const settled = settledOn(system, service, options.messageId);
  expect(await publishAs(system, from, onExchange(system, type), body, options)).toEqual({ confirmed: true });
  expect(await settled).toMatchObject({ result: 'rejected', reason });
  const taken = await takeErrorQueue(system, service, options.messageId);
  expect(taken.map((m) => m.properties.messageId)).toEqual([options.messageId]);
  const headers = taken[0]!.properties.headers!;
  expect(headers[ERROR_HEADER.reason]).toBe(reason);
  expect(headers[ERROR_HEADER.attempts]).toBe(1);
  return headers;
}

const processPayment = (orderId: string, amount = '10.00') => ({ orderId, userId: buyer, amount });

describe('an outsider', () => {
  it('cannot even open the saga vhost with the broker default credentials (guest/guest)', async () => {
    const outcome = await publishAs(system, { url: urlWith(system, 'guest', 'guest') }, onExchange(system, order.ProcessPayment.messageType), processPayment(randomUUID()), envelopeOf(order.ProcessPayment.messageType, randomUUID(), 'guest'));
    expect(outcome).toMatchObject({ confirmed: false, refusal: expect.stringMatching(/ConnectionClose|ACCESS_REFUSED|NOT_ALLOWED/) });
  });

  it("cannot connect as a service with a guessed password", async () => {
    const outcome = await publishAs(system, { url: urlWith(system, 'billing', 'billing') }, onExchange(system, billing.PaymentProcessed.messageType), {}, envelopeOf(billing.PaymentProcessed.messageType, randomUUID(), 'billing'));
    expect(outcome).toMatchObject({ confirmed: false, refusal: expect.stringMatching(/ACCESS_REFUSED|403|auth/i) });
  });
});

describe('a service publishing what is not its own', () => {
  const topo = () => topology(system.namespace);

  it.each([
    ['inventory sends a command of the order service (ProcessPayment)', 'inventory', order.ProcessPayment.messageType],
    ['inventory forges a billing reply (PaymentProcessed)', 'inventory', billing.PaymentProcessed.messageType],
    ['billing forges an inventory reply (InventoryReserved)', 'billing', inventory.InventoryReserved.messageType],
    ['order forges a billing reply (PaymentFailed)', 'order', billing.PaymentFailed.messageType],
  ] as const)('is refused by the broker: %s', async (_name, from, type) => {
    const orderId = randomUUID();
    const outcome = await publishAs(system, from, onExchange(system, type), processPayment(orderId), envelopeOf(type, orderId, from));
    expect(outcome).toMatchObject({ confirmed: false, refusal: expect.stringMatching(/ACCESS_REFUSED.*(topic|routing)/is) });
    expect(await shop.payments(orderId)).toEqual([]);
  });

  it.each([
    ['the default exchange, straight into the order queue', (t: ReturnType<typeof topology>) => ({ exchange: '', routingKey: t.queue('order') })],
    ["the order endpoint's own direct exchange", (t: ReturnType<typeof topology>) => ({ exchange: t.directExchange('order'), routingKey: t.queue('order') })],
  ])('cannot reach another service through %s', async (_name, target) => {
    const orderId = randomUUID();
    const type = billing.PaymentProcessed.messageType;
    const outcome = await publishAs(system, 'inventory', target(topo()), { orderId, paymentId: randomUUID(), amount: '10.00' }, envelopeOf(type, orderId, 'inventory'));
    expect(outcome).toMatchObject({ confirmed: false, refusal: expect.stringMatching(/ACCESS_REFUSED/) });
  });

  it('is refused by the consumer when it slips a message into its own queue: unauthorized-sender', async () => {
    const orderId = randomUUID();
    const options = envelopeOf(order.ProcessPayment.messageType, orderId, 'billing');
    const settled = settledOn(system, 'billing', options.messageId);
    const target = { exchange: topo().directExchange('billing'), routingKey: topo().queue('billing') };
    expect(await publishAs(system, 'billing', target, processPayment(orderId), options)).toEqual({ confirmed: true });
    expect(await settled).toMatchObject({ result: 'rejected', reason: 'unauthorized-sender' });
    const [copy] = await takeErrorQueue(system, 'billing', options.messageId);
    expect(copy!.properties.headers![ERROR_HEADER.message]).toMatch(/sent by user billing; only order may send it/);
    expect(await shop.payments(orderId)).toEqual([]);
    await systemStillHolds();
  });
});

describe('a service forging our own headers', () => {
  it("cannot pass as another sender through the error queue and a replay: headers only we may write are dropped from anyone else's message", async () => {
    const orderId = randomUUID();
    // Routed by a key inventory may publish (bound to the order queue), typed as a billing reply,
    // claiming billing as its original sender, and with our failure headers pre-set and oversized.
    const options = envelopeOf(billing.PaymentProcessed.messageType, orderId, 'inventory', {
      headers: {
        [HEADER.conversationId]: orderId,
        [HEADER.originalUserId]: 'billing',
        [ERROR_HEADER.firstFailureAt]: 'a'.repeat(30_000),
        [ERROR_HEADER.originalRoutingKey]: 'b'.repeat(30_000),
        'x-retry-attempt': 99,
      },
    });
    const settled = settledOn(system, 'order', options.messageId);
    const route = onExchange(system, inventory.InventoryReserved.messageType);
    expect(await publishAs(system, 'inventory', route, { orderId, paymentId: randomUUID(), amount: '10.00' }, options)).toEqual({ confirmed: true });
    expect(await settled).toMatchObject({ result: 'rejected', reason: 'invalid-envelope' });
    const [copy] = await takeErrorQueue(system, 'order', options.messageId);
    const headers = copy!.properties.headers!;
    expect(copy!.properties.userId).toBe('order');
    expect(headers[HEADER.originalUserId]).toBe('inventory');
    expect(headers[ERROR_HEADER.originalRoutingKey]).toBe(inventory.InventoryReserved.messageType);
    expect(String(headers[ERROR_HEADER.firstFailureAt])).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(headers['x-retry-attempt']).toBeUndefined();

    // Replayed by an operator, it is still inventory's, and refused as such.
    const errorQueue = topology(system.namespace).errorQueue('order');
    const connection = await system.broker.connectAs('order');
    const channel = await connection.createConfirmChannel();
    channel.publish(topology(system.namespace).directExchange('order'), errorQueue, copy!.content, copy!.properties);
    await channel.waitForConfirms();
    await connection.close();
    const replayed = settledOn(system, 'order', options.messageId);
    const out: string[] = [];
    const code = await runCli(['replay', errorQueue, '--id', options.messageId], { out: (l) => out.push(l), err: (l) => out.push(l), interactive: false, env: { AMQP_URL: system.broker.url, DLQ_AUDIT_LOG: '/dev/null' } });
    expect([code, out.join('\n')]).toEqual([0, expect.stringContaining('replayed 1 of 1')]);
    expect(await replayed).toMatchObject({ result: 'rejected', reason: 'unauthorized-sender' });
    const [again] = await takeErrorQueue(system, 'order', options.messageId);
    expect(again!.properties.headers![HEADER.originalUserId]).toBe('inventory');
    expect(await shop.payments(orderId)).toEqual([]);
  });
});

describe('a producer sending malformed envelopes', () => {
  const type = order.ProcessPayment.messageType;
  const cases: Array<[string, (orderId: string) => ReturnType<typeof envelopeOf>, unknown]> = [
    ['a 65 kB conversation id (finding 1: its reply could never be published)', (id) => envelopeOf(type, id, 'order', { headers: { [HEADER.conversationId]: 'c'.repeat(65_000) } }), undefined],
    ['a causation id of 256 bytes', (id) => envelopeOf(type, id, 'order', { headers: { [HEADER.causationId]: 'x'.repeat(256) } }), undefined],
    ['a NUL byte in the message id (finding 3)', (id) => envelopeOf(type, id, 'order', { messageId: `nul\u0000${randomUUID()}` }), undefined],
    ['a NUL byte in the correlation id (finding 3)', (id) => envelopeOf(type, id, 'order', { correlationId: `${id}\u0000` }), undefined],
    ['a message id with spaces and non-ASCII', (id) => envelopeOf(type, id, 'order', { messageId: `é ${randomUUID()}` }), undefined],
    ['3,000 small headers', (id) => envelopeOf(type, id, 'order', { headers: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`h${i}`, 'x'])) }), undefined],
    ['a sent-at that is not a date', (id) => envelopeOf(type, id, 'order', { headers: { [HEADER.sentAt]: 'yesterday' } }), undefined],
    ['content-type text/plain', (id) => envelopeOf(type, id, 'order', { contentType: 'text/plain' }), undefined],
    ['no content-type', (id) => envelopeOf(type, id, 'order', { contentType: undefined }), undefined],
    ['content-encoding gzip', (id) => envelopeOf(type, id, 'order', { contentEncoding: 'gzip' }), undefined],
    ['a body that is not UTF-8', (id) => envelopeOf(type, id, 'order'), Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['a body over 1 MiB', (id) => envelopeOf(type, id, 'order'), Buffer.alloc(1024 * 1024 + 10, 0x20)],
  ];

  it.each(cases)('goes to the error queue after one delivery as invalid-envelope, charging nothing: %s', async (_name, envelope, rawBody) => {
    const orderId = randomUUID();
    const options = envelope(orderId);
    const headers = await refusedInto('billing', 'invalid-envelope', 'order', type, rawBody ?? processPayment(orderId), options);
    expect(headers[ERROR_HEADER.originalQueue]).toBe(topology(system.namespace).queue('billing'));
    expect(await shop.payments(orderId)).toEqual([]);
  });

  it('keeps the error-queue copy of an oversized header within bounds, marked as cut (finding 2)', async () => {
    const orderId = randomUUID();
    const headers = await refusedInto('billing', 'invalid-envelope', 'order', type, processPayment(orderId), envelopeOf(type, orderId, 'order', { headers: { [HEADER.conversationId]: 'c'.repeat(45_000), 'x-extra': 'e'.repeat(19_000) } }));
    expect(String(headers[HEADER.conversationId])).toMatch(/^c{1024}\.\.\.\[truncated from 45000 bytes\]$/);
    expect(String(headers['x-extra'])).toMatch(/truncated from 19000 bytes/);
    expect(headers[ERROR_HEADER.message]).toMatch(/headers take about \d+ bytes/);
  });

  it('six NUL-id messages in a row neither retry nor open the breaker (finding 3)', async () => {
    for (let n = 0; n < 6; n += 1) {
      const orderId = randomUUID();
      await refusedInto('billing', 'invalid-envelope', 'order', type, processPayment(orderId), envelopeOf(type, orderId, 'order', { messageId: `m\u0000${n}` }));
    }
    await systemStillHolds();
  });

  it('refuses a message without a user-id: unauthorized-sender', async () => {
    const orderId = randomUUID();
    const options = envelopeOf(type, orderId, undefined);
    await refusedInto('billing', 'unauthorized-sender', 'order', type, processPayment(orderId), options);
    expect(await shop.payments(orderId)).toEqual([]);
  });

  it('refuses a command whose body names another order than its correlation id: correlation-mismatch', async () => {
    const orderId = randomUUID();
    await refusedInto('billing', 'correlation-mismatch', 'order', type, processPayment(randomUUID()), envelopeOf(type, orderId, 'order'));
    expect(await shop.payments(orderId)).toEqual([]);
  });

  it('refuses a body that breaks its contract, and a body that is not JSON: contract-violation', async () => {
    const orderId = randomUUID();
    await refusedInto('billing', 'contract-violation', 'order', type, { orderId, userId: buyer, amount: 0.1 }, envelopeOf(type, orderId, 'order'));
    await refusedInto('billing', 'contract-violation', 'order', type, Buffer.from('{"orderId":'), envelopeOf(type, orderId, 'order'));
    await systemStillHolds();
  });
});

describe('replies that do not match their saga (finding 4)', () => {
  it('a payment for another amount, or naming another order, is refused; the real payment then completes the order', async () => {
    await system.stopService('billing'); // the saga waits at its payment step
    const orderId = await shop.placeAcceptedOrder(buyer, [{ productId: product, quantity: 2, price: '10.00' }]);
    world.orders.push(orderId);
    await eventually(async () => (await shop.saga(orderId)).body.currentStep === 'ProcessPayment', { what: 'the saga to wait for its payment' });
    const type = billing.PaymentProcessed.messageType;

    const cheap = envelopeOf(type, orderId, 'billing');
    await refusedInto('order', 'reply-mismatch', 'billing', type, { orderId, paymentId: randomUUID(), amount: '0.01' }, cheap);
    const elsewhere = envelopeOf(type, orderId, 'billing');
    await refusedInto('order', 'correlation-mismatch', 'billing', type, { orderId: randomUUID(), paymentId: randomUUID(), amount: '20.00' }, elsewhere);
    expect((await shop.saga(orderId)).body).toMatchObject({ status: 'InProgress', currentStep: 'ProcessPayment' });
    expect((await shop.order(orderId)).body.status).toBe('Pending');

    await system.startService('billing');
    expect(await shop.finished(orderId)).toMatchObject({ status: 'Completed' });
    expect(await shop.payments(orderId)).toEqual([expect.objectContaining({ amount: '20.00', status: 'Completed' })]);
    await systemStillHolds();
  });
});

describe('an outbox row that can never be published (finding 1)', () => {
  it('is set aside with its reason, the rows around it are published once, /health says degraded, and the outbox flows', async () => {
    const client = new Client({ connectionString: system.configs.billing.databaseUrl });
    await client.connect();
    const topo = topology(system.namespace);
    const tap = `${topo.queue('billing')}.tap`;
    const tapConnection = await system.broker.connectAs('billing');
    const tapChannel = await tapConnection.createChannel();
    try {
      await tapChannel.assertQueue(tap, { durable: false });
      await tapChannel.bindQueue(tap, topo.exchange, 'domain.billing.AuditNote');
      const rows = [
        handWrittenRow('domain.billing.AuditNote'),
        handWrittenRow('domain.order.ProcessPayment'),
        handWrittenRow('domain.billing.AuditNote'),
        handWrittenRow('domain.billing.AuditNote', { conversationId: 'c'.repeat(65_000) }),
        handWrittenRow('domain.billing.AuditNote'),
      ];
      await insertHandWritten(client, rows);

      await eventually(async () => (await client.query('select 1 from outbox')).rowCount === 0, { what: "billing's outbox to drain" });
      const aside = (await client.query<{ id: string; reason: string }>('select id, reason from outbox_dead_letters order by seq')).rows;
      expect(aside.map((r) => r.id)).toEqual([rows[1]!.id, rows[3]!.id]);
      expect(aside[0]!.reason).toMatch(/this service may not publish domain\.order\.ProcessPayment/);
      expect(aside[1]!.reason).toMatch(/invalid envelope: headers take about \d+ bytes/);
      const published = (await takeAll(tapChannel, tap)).map((m) => String(m.properties.messageId));
      expect(published.sort()).toEqual([rows[0]!.id, rows[2]!.id, rows[4]!.id].sort());

      const health = await healthOf(system);
      expect(health.billing).toMatchObject({ status: 200, body: { status: 'degraded', checks: { outbox: 'degraded' } } });
      const metrics = await (await fetch(`${system.url('billing')}/metrics`)).text();
      expect(metrics).toMatch(/^outbox_dead_letters\{service="billing",replica="[^"]+"\} 2$/m);
      expect(metrics).toMatch(/^outbox_dead_lettered_total\{reason="not_permitted",service="billing",replica="[^"]+"\} 1$/m);
      await honestOrderCompletes();

      await client.query('delete from outbox_dead_letters');
      await systemStillHolds();
    } finally {
      await tapConnection.close();
      await client.end();
    }
  });
});
