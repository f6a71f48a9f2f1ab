import { eventually } from '@saga/shared/testing';
import { call, Shop } from '../support/api';
import { placeOrders, prepare, type PlacedOrder } from '../support/batch';
import { ProcessSystem } from '../support/processSystem';
import { verifies, WebhookReceiver } from '../support/webhookReceiver';

const TOKEN = 'webhook-crash-operator-token-0123456789';
const ALL_EVENTS = ['order.created', 'saga.step_completed', 'saga.step_failed', 'saga.step_skipped', 'saga.compensation_started', 'order.completed', 'order.failed', 'saga.stuck'];
const STEP_EVENTS: Record<string, string | undefined> = { Completed: 'saga.step_completed', Failed: 'saga.step_failed', TimedOut: 'saga.step_failed', Skipped: 'saga.step_skipped' };

let system: ProcessSystem;
let receiver: WebhookReceiver;

beforeAll(async () => {
  // A 5 s attempt timeout: the lease of a delivery under way ends 10 s after it was claimed.
  system = await ProcessSystem.start('e2e_webhooks_crash', {
    OPERATOR_TOKEN: TOKEN,
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_RETRY_MAX_MS: '1000',
    WEBHOOK_POLL_INTERVAL_MS: '200',
    WEBHOOK_TIMEOUT_MS: '5000',
  });
  receiver = await WebhookReceiver.start(() => 'hold');
});
afterAll(async () => {
  await receiver?.close();
  await system?.stop();
});

const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
  call(`${system.url('order')}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}` } });

describe('webhooks across a crash of the order service', () => {
  it('every lifecycle event of every order arrives, each under one webhook-id, after kill -9 mid-delivery', async () => {
    const shop = new Shop(system);
    const fixture = await prepare(shop);
    const registered = await admin('/api/webhooks', { body: { url: receiver.url, events: ALL_EVENTS } });
    expect(registered.status).toBe(201);
    const { id: subscriptionId, secret } = registered.body as { id: string; secret: string };

    const orders: PlacedOrder[] = await placeOrders(system, fixture, 6);
    // Deliveries are under way and held unanswered (two at a time to one subscriber): the process dies with them in flight.
    await eventually(() => receiver.holding >= 2, { timeoutMs: 30_000, what: 'deliveries to be held by the receiver' });
    const inFlight = new Set(receiver.received.map((request) => request.id));
    await system.kill('order');
    receiver.release();
    await system.startService('order');

    const sagas = new Map<string, any>();
    for (const order of orders) sagas.set(order.id, await shop.finished(order.id, 120_000));

    // The journal's deliveries (one per lifecycle event) all end delivered: leases of the dead process ran out and were re-sent.
    const deliveries = await eventually(
      async () => {
        const reply = await admin(`/api/webhooks/${subscriptionId}/deliveries?limit=200`);
        const items = reply.body?.items as any[] | undefined;
        return items && items.length > 0 && items.every((d) => d.status === 'delivered') ? items : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'every webhook delivery to be delivered' },
    );

    // Every delivery arrived, and nothing else did.
    const ids = new Set(deliveries.map((d) => d.id as string));
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(ids);
    expect(receiver.received.every((r) => verifies(r, secret))).toBe(true);

    // Each event came under exactly one webhook-id (a repeat repeats the same id), and some were repeated across the crash.
    const idsByEvent = new Map<string, Set<string>>();
    for (const request of receiver.received) {
      const key = JSON.stringify(request.payload);
      idsByEvent.set(key, (idsByEvent.get(key) ?? new Set()).add(request.id));
    }
    expect([...idsByEvent.values()].filter((each) => each.size !== 1)).toEqual([]);
    expect(idsByEvent.size).toBe(ids.size);
    const repeated = [...inFlight].filter((id) => receiver.received.filter((r) => r.id === id).length > 1);
    expect(repeated.length).toBeGreaterThan(0);

    // Each order's events match its saga's history: created, one per step outcome, its end.
    for (const order of orders) {
      const saga = sagas.get(order.id);
      const types = [...new Map(receiver.of(order.id).map((r) => [r.id, r.payload.type])).values()];
      const stepEvents = (saga.history as Array<{ status: string }>).map((entry) => STEP_EVENTS[entry.status]).filter(Boolean);
      expect(types.filter((type) => type === 'order.created')).toHaveLength(1);
      expect(types.filter((type) => type.startsWith('saga.step_')).sort()).toEqual((stepEvents as string[]).sort());
      const end = saga.status === 'Completed' ? 'order.completed' : 'order.failed';
      expect(types.filter((type) => type === 'order.completed' || type === 'order.failed')).toEqual([end]);
    }
  });
});
