import { randomUUID } from 'node:crypto';
import { ADDRESS, call, Shop, UNSERVED_ADDRESS } from '../support/api';
import { SseClient } from '../support/sse';
import { TestSystem } from '../support/system';

let system: TestSystem;
let shop: Shop;
const streams: SseClient[] = [];
const open = (path: string, headers?: Record<string, string>) => {
  const client = new SseClient(`${system.url('order')}${path}`, headers);
  streams.push(client);
  return client;
};

beforeAll(async () => {
  system = await TestSystem.start('e2e_events');
  shop = new Shop(system);
});
afterEach(() => streams.splice(0).forEach((stream) => stream.close()));
afterAll(async () => {
  await system?.stop();
});

async function order(kind: 'shipped' | 'no-ship' = 'shipped'): Promise<string> {
  const product = await shop.createProduct(10, '5.00');
  const userId = randomUUID();
  await shop.createAccount(userId, '100.00');
  return shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 1, price: '5.00' }], kind === 'shipped' ? ADDRESS : UNSERVED_ADDRESS);
}

const lifecycle = (events: Array<{ lifecycle: string[] }>) => events.flatMap((event) => event.lifecycle);

describe('saga events as Server-Sent Events', () => {
  it("streams one order's saga from its creation to its end, one event per change, ids its versions", async () => {
    const orderId = await order();
    const stream = open(`/api/orders/${orderId}/events`);
    expect(await stream.status).toBe(200);
    await stream.until(() => lifecycle(stream.sagaEvents()).includes('order.completed'));
    const events = stream.sagaEvents();
    expect(events.map((event) => event.version)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.id)).toEqual(events.map((event) => String(event.version)));
    expect(lifecycle(events)).toEqual(['order.created', ...Array(4).fill('saga.step_completed'), 'order.completed']);
    expect(events.at(-1)).toMatchObject({ orderId, status: 'Completed', orderStatus: 'Completed', currentStep: 'Completed' });
    const saga = (await shop.saga(orderId)).body;
    expect(events.flatMap((event) => event.entries)).toEqual(saga.history);
  });

  it('resumes after the Last-Event-ID a reconnecting client sends, with nothing missed and nothing repeated', async () => {
    const orderId = await order('no-ship');
    await shop.finished(orderId);
    const all = open(`/api/orders/${orderId}/events`);
    await all.until(() => lifecycle(all.sagaEvents()).includes('order.failed'));
    const resumed = open(`/api/orders/${orderId}/events`, { 'Last-Event-ID': '3' });
    await resumed.until(() => lifecycle(resumed.sagaEvents()).includes('order.failed'));
    expect(resumed.sagaEvents()).toEqual(all.sagaEvents().slice(3));
    expect(lifecycle(all.sagaEvents())).toEqual(expect.arrayContaining(['saga.step_failed', 'saga.compensation_started', 'order.failed']));
  });

  it('streams every saga of every order as it commits, and resumes the all-sagas stream where a client left off', async () => {
    const stream = open('/api/events');
    expect(await stream.status).toBe(200);
    const first = await order();
    await stream.until(() => stream.sagaEvents().some((event) => event.orderId === first && event.lifecycle.includes('order.completed')));
    const lastSeen = stream.sagaEvents().at(-1)!.id;
    stream.close();

    const missed = [await order(), await order('no-ship')];
    await Promise.all(missed.map((id) => shop.finished(id)));
    const resumed = open('/api/events', { 'Last-Event-ID': lastSeen });
    await resumed.until(() => missed.every((id) => resumed.sagaEvents().some((event) => event.orderId === id && event.completedAt !== undefined || (event.orderId === id && event.lifecycle.some((type: string) => type === 'order.completed' || type === 'order.failed')))));
    const events = resumed.sagaEvents();
    expect(events.some((event) => event.orderId === first)).toBe(false);
    for (const id of missed) {
      const versions = events.filter((event) => event.orderId === id).map((event) => event.version);
      expect(versions).toEqual(versions.map((_, index) => index + 1));
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  });

  it('answers a Last-Event-ID it never gave, or an unknown order, with a problem, not a stream', async () => {
    const badAll = await call(`${system.url('order')}/api/events`, { headers: { 'Last-Event-ID': "1'; drop table saga_events; --" } });
    expect(badAll.status).toBe(400);
    expect(badAll.body.errors[0].field).toBe('Last-Event-ID');
    const badOne = await call(`${system.url('order')}/api/orders/${randomUUID()}/events`, { headers: { 'Last-Event-ID': 'x' } });
    expect(badOne.status).toBe(400);
    expect((await call(`${system.url('order')}/api/orders/${randomUUID()}/events`)).status).toBe(404);
    expect((await call(`${system.url('order')}/api/orders/not-a-uuid/events`)).status).toBe(400);
  });
});
