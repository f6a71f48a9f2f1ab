import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '@saga/shared/testing';
import { call, Shop } from '../support/api';
import { prepare, type Fixture } from '../support/batch';
import { TestSystem } from '../support/system';
import { verifies, WebhookReceiver } from '../support/webhookReceiver';

const TOKEN = 'webhook-e2e-operator-token-0123456789';
const ALL_EVENTS = ['order.created', 'saga.step_completed', 'saga.step_failed', 'saga.step_skipped', 'saga.compensation_started', 'order.completed', 'order.failed', 'saga.stuck'];

let system: TestSystem;
let shop: Shop;
let fixture: Fixture;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  system = await TestSystem.start('e2e_webhooks', {
    env: { OPERATOR_TOKEN: TOKEN, WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_RETRY_MAX_MS: '1000', WEBHOOK_POLL_INTERVAL_MS: '200', WEBHOOK_TIMEOUT_MS: '3000' },
  });
  shop = new Shop(system);
  fixture = await prepare(shop);
});
afterEach(async () => {
  // Every test starts with no subscriber: earlier ones would keep receiving (and retrying).
  const listed = await admin('/api/webhooks');
  for (const each of listed.body.items) await admin(`/api/webhooks/${each.id}`, { method: 'DELETE' });
  for (const receiver of receivers.splice(0)) await receiver.close();
});
afterAll(async () => {
  await system?.stop();
});

function admin(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const token = init.token === undefined ? TOKEN : init.token;
  return call(`${system.url('order')}${path}`, { method: init.method, body: init.body, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function receiver(answer?: Parameters<typeof WebhookReceiver.start>[0]): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start(answer);
  receivers.push(started);
  return started;
}

async function subscribe(url: string, events: string[] = ALL_EVENTS): Promise<{ id: string; secret: string }> {
  const reply = await admin('/api/webhooks', { body: { url, events } });
  expect(reply.status).toBe(201);
  return reply.body;
}

const happyOrder = () => shop.placeAcceptedOrder(fixture.rich, [{ productId: fixture.plenty, quantity: 1, price: '5.00' }]);
const unpaidOrder = () => shop.placeAcceptedOrder(fixture.poor, [{ productId: fixture.plenty, quantity: 1, price: '5.00' }]);

/** The deliveries of a subscriber, once `wanted` holds for them. */
function deliveriesOnce(subscriptionId: string, wanted: (items: any[]) => boolean, what: string) {
  return eventually(
    async () => {
      const reply = await admin(`/api/webhooks/${subscriptionId}/deliveries?limit=200`);
      return reply.status === 200 && wanted(reply.body.items) ? (reply.body.items as any[]) : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, what },
  );
}

describe('webhook subscribers', () => {
  it('registering needs an operator token', async () => {
    const hook = await receiver();
    const reply = await admin('/api/webhooks', { body: { url: hook.url, events: ['order.created'] }, token: null });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await admin('/api/webhooks', { token: 'not-the-operator-token-at-all' })).status).toBe(401);
    expect((await admin('/api/webhooks/event-types', { token: null })).status).toBe(401);
  });

  it('refuses URLs outside the allowlist (cloud metadata, private networks, the internet), naming the url field and the allowed hosts', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://example.com/', 'http://user:pw@127.0.0.1/', 'ftp://127.0.0.1/', 'http://127.0.0.1/#x']) {
      const reply = await admin('/api/webhooks', { body: { url, events: ['order.created'] } });
      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    }
    const metadata = await admin('/api/webhooks', { body: { url: 'http://169.254.169.254/', events: ['order.created'] } });
    expect(metadata.body.errors[0].message).toMatch(/localhost, 127\.0\.0\.1, ::1.*WEBHOOK_ALLOWED_HOSTS/);
  });

  it('refuses bad event lists and ids with a 400 naming the field, and unknown ids with a 404', async () => {
    const hook = await receiver();
    for (const events of [[], ['order.shipped'], ['order.created', 'order.created'], 'order.created', undefined]) {
      const reply = await admin('/api/webhooks', { body: { url: hook.url, events } });
      expect(reply.status).toBe(400);
      expect(reply.body.errors[0].field).toMatch(/^events/);
    }
    expect((await admin('/api/webhooks', { body: { url: hook.url, events: ['nope'] } })).body.errors[0].message).toMatch(/order\.created/);
    expect((await admin('/api/webhooks', { body: { events: ['order.created'] } })).body.errors[0].field).toBe('url');
    expect((await admin('/api/webhooks/not-a-uuid')).status).toBe(400);
    expect((await admin('/api/webhooks/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await admin('/api/webhooks/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status).toBe(404);
    expect((await admin('/api/webhooks/00000000-0000-4000-8000-000000000000/rotate-secret', { method: 'POST' })).status).toBe(404);
    const created = await subscribe(hook.url, ['order.created']);
    expect((await admin(`/api/webhooks/${created.id}/deliveries?limit=0`)).body.errors[0].field).toBe('limit');
    expect((await admin(`/api/webhooks/${created.id}/deliveries?status=lost`)).body.errors[0].field).toBe('status');
    expect((await admin(`/api/webhooks/${created.id}/deliveries/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await admin(`/api/webhooks/${created.id}/deliveries/00000000-0000-4000-8000-000000000000/resend`, { method: 'POST' })).status).toBe(404);
  });

  it('lists the event types, and subscribers without their secrets', async () => {
    expect((await admin('/api/webhooks/event-types')).body).toEqual({ items: ALL_EVENTS });
    const hook = await receiver();
    const reply = await admin('/api/webhooks', { body: { url: hook.url, events: ['order.completed'] } });
    expect(reply.headers.get('location')).toBe(`/api/webhooks/${reply.body.id}`);
    expect(reply.body).toEqual({ id: expect.any(String), url: hook.url, events: ['order.completed'], secret: expect.stringMatching(/^whsec_/), createdAt: expect.any(String) });
    const one = await admin(`/api/webhooks/${reply.body.id}`);
    expect(one.body).toEqual({ id: reply.body.id, url: hook.url, events: ['order.completed'], createdAt: reply.body.createdAt, deliveries: { pending: 0, delivered: 0, failed: 0 } });
    expect((await admin('/api/webhooks')).body.items).toEqual([one.body]);
  });

  it('a subscriber receives every lifecycle event of a completed and of a failed order, each signed', async () => {
    const hook = await receiver();
    const { id, secret } = await subscribe(hook.url);
    const completed = await happyOrder();
    const failed = await unpaidOrder();
    await shop.finished(completed);
    await shop.finished(failed);
    await eventually(() => hook.of(completed).some((r) => r.payload.type === 'order.completed') && hook.of(failed).some((r) => r.payload.type === 'order.failed'), {
      timeoutMs: 30_000,
      what: 'both orders to be announced as ended',
    });
    const typesOf = (orderId: string) => hook.of(orderId).map((r) => r.payload.type);
    expect(typesOf(completed)).toEqual(expect.arrayContaining(['order.created', 'saga.step_completed', 'order.completed']));
    expect(typesOf(failed)).toEqual(expect.arrayContaining(['order.created', 'saga.step_failed', 'saga.compensation_started', 'order.failed']));
    expect(typesOf(completed)).not.toContain('order.failed');
    for (const request of hook.received) {
      expect(verifies(request, secret)).toBe(true);
      expect(request.userAgent).toBe('saga-orders-webhooks');
      expect(request.contentType).toBe('application/json');
    }
    // Every event under its own webhook-id, each delivery delivered once.
    expect(new Set(hook.received.map((r) => r.id)).size).toBe(hook.received.length);
    const deliveries = await deliveriesOnce(id, (items) => items.length === hook.received.length && items.every((d) => d.status === 'delivered'), 'every delivery to be delivered');
    expect(deliveries.map((d) => d.id).sort()).toEqual(hook.received.map((r) => r.id).sort());
    expect((await admin(`/api/webhooks/${id}`)).body.deliveries).toEqual({ pending: 0, delivered: deliveries.length, failed: 0 });
  });

  it('a receiver that fails twice gets the same webhook-id three times, and the delivery ends delivered with three attempts', async () => {
    const hook = await receiver((n) => ({ status: n < 2 ? 500 : 200 }));
    const { id, secret } = await subscribe(hook.url, ['order.created']);
    await happyOrder();
    await eventually(() => hook.received.length >= 3, { timeoutMs: 30_000, what: 'three attempts' });
    expect(new Set(hook.received.map((r) => r.id)).size).toBe(1);
    expect(hook.received.every((r) => verifies(r, secret))).toBe(true);
    const [delivery] = await deliveriesOnce(id, (items) => items[0]?.status === 'delivered', 'the delivery to be delivered');
    expect(delivery).toMatchObject({ id: hook.received[0]!.id, eventType: 'order.created', status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
    const detail = await admin(`/api/webhooks/${id}/deliveries/${delivery.id}`);
    expect(detail.body.payload).toEqual(hook.received[0]!.payload);
    expect(detail.body.attempts.map((a: any) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(detail.body.attempts[0].error).toMatch(/HTTP 500/);
  });

  it('a subscriber that never answers holds at most two attempts at a time, and the others are served meanwhile', async () => {
    const stuck = await receiver(() => 'hold');
    const healthy = await receiver();
    await subscribe(stuck.url);
    await subscribe(healthy.url, ['order.completed']);
    const orders = [await happyOrder(), await happyOrder(), await happyOrder()];
    await Promise.all(orders.map((orderId) => shop.finished(orderId)));
    await eventually(() => orders.every((orderId) => healthy.of(orderId).some((r) => r.payload.type === 'order.completed')), {
      timeoutMs: 30_000,
      what: 'the healthy subscriber to hear of every order while the other holds its attempts',
    });
    expect(stuck.received.length).toBeGreaterThan(0);
    expect(stuck.holding).toBeLessThanOrEqual(2);
    stuck.release();
  });

  it('a redirect is a failed attempt and is not followed', async () => {
    let reached = 0;
    const internal = http.createServer((_req, res) => {
      reached += 1;
      res.end('secret');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    try {
      const target = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/admin`;
      const hook = await receiver(() => ({ status: 302, headers: { location: target } }));
      const { id } = await subscribe(hook.url, ['order.created']);
      await happyOrder();
      const [delivery] = await deliveriesOnce(id, (items) => items[0]?.attempts >= 2, 'two redirected attempts');
      expect(delivery).toMatchObject({ status: 'pending', lastStatusCode: 302, lastError: expect.stringMatching(/redirect.*not followed/) });
      expect(reached).toBe(0);
    } finally {
      internal.closeAllConnections();
      await new Promise((resolve) => internal.close(resolve));
    }
  });

  it('after a rotation, deliveries are signed with both the new and the previous secret', async () => {
    const hook = await receiver();
    const { id, secret: before } = await subscribe(hook.url, ['order.created']);
    const rotated = await admin(`/api/webhooks/${id}/rotate-secret`, { method: 'POST' });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id, secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.body.secret).not.toBe(before);
    const orderId = await happyOrder();
    const [request] = await eventually(() => (hook.of(orderId).length > 0 ? hook.of(orderId) : undefined), { what: 'the order to be announced' });
    expect(request!.signature.split(' ')).toHaveLength(2);
    expect(verifies(request!, rotated.body.secret)).toBe(true);
    expect(verifies(request!, before)).toBe(true);
  });

  it('a resent delivery comes again under the same webhook-id', async () => {
    const hook = await receiver();
    const { id } = await subscribe(hook.url, ['order.created']);
    await happyOrder();
    const [delivery] = await deliveriesOnce(id, (items) => items[0]?.status === 'delivered', 'the delivery to be delivered');
    const resent = await admin(`/api/webhooks/${id}/deliveries/${delivery.id}/resend`, { method: 'POST' });
    expect(resent.status).toBe(202);
    expect(resent.body).toMatchObject({ id: delivery.id, status: 'pending', attempts: 1 });
    await eventually(() => hook.received.length >= 2, { timeoutMs: 30_000, what: 'the resent delivery' });
    expect(hook.received.map((r) => r.id)).toEqual([delivery.id, delivery.id]);
    await deliveriesOnce(id, (items) => items[0]?.status === 'delivered' && items[0]?.attempts === 2, 'the resent delivery to be delivered');
  });

  it('a deleted subscriber gets nothing more: its pending deliveries fail, new events skip it, it cannot be resent to', async () => {
    const failing = await receiver(() => ({ status: 503 }));
    const witness = await receiver();
    const { id } = await subscribe(failing.url, ['order.created', 'order.completed']);
    await subscribe(witness.url, ['order.completed']);
    await happyOrder();
    const [pending] = await deliveriesOnce(id, (items) => items.some((d) => d.attempts >= 1 && d.status === 'pending'), 'a failed attempt');
    expect((await admin(`/api/webhooks/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/api/webhooks/${id}`)).status).toBe(404);
    expect((await admin('/api/webhooks')).body.items.map((s: any) => s.id)).not.toContain(id);
    const settled = await deliveriesOnce(id, (items) => items.every((d) => d.status === 'failed'), 'its deliveries to fail');
    expect(settled.every((d) => d.lastError === 'subscriber deleted')).toBe(true);
    expect((await admin(`/api/webhooks/${id}/deliveries/${pending!.id}/resend`, { method: 'POST' })).status).toBe(409);
    // A later order reaches the witness, and not the deleted subscriber.
    const later = await happyOrder();
    await eventually(() => witness.of(later).length > 0, { timeoutMs: 30_000, what: 'the witness to hear of the later order' });
    expect(failing.of(later)).toEqual([]);
    expect((await deliveriesOnce(id, () => true, 'the deliveries')).length).toBe(settled.length);
  });
});
