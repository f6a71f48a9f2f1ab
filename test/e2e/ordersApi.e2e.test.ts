import { randomUUID } from 'node:crypto';
import { call, Shop } from '../support/api';
import { SERVICE_NAMES, TestSystem } from '../support/system';

let system: TestSystem;
let shop: Shop;
let product: string = randomUUID(); // replaced by a real product in beforeAll; validation cases only need a uuid

beforeAll(async () => {
  system = await TestSystem.start('e2e_api');
  shop = new Shop(system);
  product = await shop.createProduct(1000, '9.99');
});
afterAll(async () => {
  await system?.stop();
});

const ordersOf = async (userId: string) => (await call(`${system.url('order')}/api/orders/user/${userId}`)).body.items;
const line = (overrides: Record<string, unknown> = {}) => ({ productId: product, quantity: 1, price: '9.99', ...overrides });

describe('POST /api/orders refuses bad input with a problem naming each field, and writes nothing', () => {
  const userId = randomUUID();
  const cases: Array<[string, unknown, string[]]> = [
    ['a missing userId', { items: [line()] }, ['userId']],
    ['a userId that is not a uuid', { userId: 'bob', items: [line()] }, ['userId']],
    ['an empty items list', { userId, items: [] }, ['items']],
    ['items that are not a list', { userId, items: 'many' }, ['items']],
    ['a quantity of 0', { userId, items: [line({ quantity: 0 })] }, ['items[0].quantity']],
    ['a negative quantity', { userId, items: [line({ quantity: -1 })] }, ['items[0].quantity']],
    ['a fractional quantity', { userId, items: [line({ quantity: 1.5 })] }, ['items[0].quantity']],
    ['a quantity over 1000', { userId, items: [line({ quantity: 1001 })] }, ['items[0].quantity']],
    ['a price with 3 decimals', { userId, items: [line({ price: 1.999 })] }, ['items[0].price']],
    ['a price string with 3 decimals', { userId, items: [line({ price: '1.999' })] }, ['items[0].price']],
    ['a negative price', { userId, items: [line({ price: -5 })] }, ['items[0].price']],
    ['a productId that is not a uuid', { userId, items: [line({ productId: 42 })] }, ['items[0].productId']],
    ['several wrong fields at once', { userId: 1, items: [line(), line({ quantity: 0, price: 'x' })] }, ['userId', 'items[1].quantity', 'items[1].price']],
    ['101 items', { userId, items: Array.from({ length: 101 }, () => line()) }, ['items']],
  ];

  it.each(cases)('%s', async (_name, body, fields) => {
    const reply = await call(`${system.url('order')}/api/orders`, { body });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    expect(await ordersOf(userId)).toEqual([]);
  });

  it('malformed JSON', async () => {
    const reply = await call(`${system.url('order')}/api/orders`, { rawBody: '{"userId": "' });
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toBe('Request body is not valid JSON');
  });

  it('an oversized body gets 413', async () => {
    const reply = await call(`${system.url('order')}/api/orders`, {
      body: { userId, items: [line({ productName: 'x'.repeat(200_000) })] },
    });
    expect(reply.status).toBe(413);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('reading orders', () => {
  it('answers 404 for an unknown order and 400 for an id that is not a uuid', async () => {
    const unknown = await shop.order(randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.body.title).toBe('Not Found');
    expect((await shop.saga(randomUUID())).status).toBe(404);
    const bad = await shop.order('42');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'id', message: 'must be a uuid' }]);
  });

  it("pages a user's orders newest first with a cursor", async () => {
    const userId = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await shop.placeAcceptedOrder(userId, [line()]));
    const base = `${system.url('order')}/api/orders/user/${userId}`;
    const first = await call(`${base}?limit=2`);
    const second = await call(`${base}?limit=2&cursor=${first.body.nextCursor}`);
    const third = await call(`${base}?limit=2&cursor=${second.body.nextCursor}`);
    const seen = [...first.body.items, ...second.body.items, ...third.body.items].map((o: { id: string }) => o.id);
    expect(seen).toEqual([...ids].reverse());
    expect(third.body.nextCursor).toBeNull();
    expect(first.body.items[0]).toMatchObject({ userId, totalAmount: '9.99', items: [expect.objectContaining({ price: '9.99' })] });
    expect((await call(`${base}?limit=201`)).status).toBe(400);
    expect((await call(`${base}?cursor=garbage`)).status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same order for the same key and body, and starts one saga', async () => {
    const userId = randomUUID();
    const key = randomUUID();
    const first = await shop.placeOrder(userId, [line()], { 'Idempotency-Key': key });
    const again = await shop.placeOrder(userId, [line()], { 'Idempotency-Key': key });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await ordersOf(userId)).toHaveLength(1);
  });

  it('creates one order when requests with the same key race', async () => {
    const userId = randomUUID();
    const key = randomUUID();
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => shop.placeOrder(userId, [line()], { 'Idempotency-Key': key })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect(await ordersOf(userId)).toHaveLength(1);
    expect((await shop.finished(replies[0]!.body.id)).status).toBe('Compensated');
  });

  it('answers 422 when a key is reused with a different body', async () => {
    const userId = randomUUID();
    const key = randomUUID();
    await shop.placeOrder(userId, [line()], { 'Idempotency-Key': key });
    const reused = await shop.placeOrder(userId, [line({ quantity: 2 })], { 'Idempotency-Key': key });
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await ordersOf(userId)).toHaveLength(1);
  });
});

describe('inventory and billing APIs', () => {
  it('validate their input and answer 404 for unknown ids', async () => {
    const inventory = system.url('inventory');
    const billing = system.url('billing');
    const badProduct = await call(`${inventory}/api/products`, { body: { name: '', price: '1.001', stock: -1 } });
    expect(badProduct.body.errors.map((e: { field: string }) => e.field)).toEqual(['name', 'price', 'stock']);
    expect((await call(`${inventory}/api/products/${randomUUID()}`)).status).toBe(404);
    expect((await call(`${inventory}/api/products/${randomUUID()}/stock`, { method: 'PUT', body: { stock: 1 } })).status).toBe(404);
    expect((await call(`${inventory}/api/reservations`)).body.errors).toEqual([{ field: 'orderId', message: 'must be a uuid' }]);
    expect((await call(`${billing}/api/accounts/${randomUUID()}`)).status).toBe(404);
    expect((await call(`${billing}/api/accounts/${randomUUID()}/deposits`, { body: { amount: '5.00' } })).status).toBe(404);
    expect((await call(`${billing}/api/accounts`, { body: { userId: randomUUID(), balance: 0.001 } })).status).toBe(400);
    expect((await call(`${billing}/api/payments?orderId=nope`)).status).toBe(400);
  });

  it('sets free stock, takes deposits and refuses a second account for a user', async () => {
    const id = await shop.createProduct(1);
    const updated = await call(`${system.url('inventory')}/api/products/${id}/stock`, { method: 'PUT', body: { stock: 7 } });
    expect(updated.body).toMatchObject({ id, stock: 7, reserved: 0, price: '10.00' });
    const userId = randomUUID();
    await shop.createAccount(userId, '0.10');
    const deposit = await call(`${system.url('billing')}/api/accounts/${userId}/deposits`, { body: { amount: '0.20' } });
    expect(deposit.body.balance).toBe('0.30');
    expect((await call(`${system.url('billing')}/api/accounts/${userId}/deposits`, { body: { amount: 0 } })).status).toBe(400);
    expect((await call(`${system.url('billing')}/api/accounts`, { body: { userId, balance: '1' } })).status).toBe(409);
  });

  it('every service answers GET /health', async () => {
    for (const service of SERVICE_NAMES) {
      const health = await call(`${system.url(service)}/health`);
      expect(health).toMatchObject({ status: 200, body: { status: 'up', checks: { database: 'up', broker: 'up' } } });
    }
  });
});
