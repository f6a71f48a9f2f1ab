import { randomUUID } from 'node:crypto';
import { call, Shop } from '../support/api';
import { SERVICE_NAMES, TestSystem, type ServiceName } from '../support/system';

// Hostile HTTP input (finding 5): every value the database cannot hold, every body that is
// not what it claims, is a 4xx problem+json naming the field, never a 500, and writes nothing.

let system: TestSystem;
let shop: Shop;

beforeAll(async () => {
  system = await TestSystem.start('adversarial_http', { services: SERVICE_NAMES });
  shop = new Shop(system);
});
afterAll(async () => {
  await system?.stop();
});

const LARGEST = '9999999999999999.99';

/** Sends raw bytes with a content type, and reads the problem back. */
async function raw(service: ServiceName, path: string, body: Buffer | string, contentType: string, method = 'POST') {
  const response = await fetch(`${system.url(service)}${path}`, { method, headers: { 'content-type': contentType }, body });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as { title: string; status: number; errors?: Array<{ field: string }> } };
}

function expectProblem(reply: { status: number; body: any; headers?: Headers; type?: string | null }, status: number, title: string, field?: string) {
  expect(reply.status).toBe(status);
  expect(reply.type ?? reply.headers?.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ type: 'about:blank', title, status });
  if (field) expect(reply.body.errors?.map((e: { field: string }) => e.field)).toContain(field);
}

describe('values the database cannot hold', () => {
  it('a deposit that would take a balance past NUMERIC(18,2) is a 400 naming amount, and the balance is unchanged', async () => {
    const userId = randomUUID();
    await shop.createAccount(userId, LARGEST);
    const reply = await call(`${system.url('billing')}/api/accounts/${userId}/deposits`, { body: { amount: '0.01' } });
    expectProblem(reply, 400, 'Bad Request', 'amount');
    expect(await shop.balance(userId)).toBe(LARGEST);
  });

  it('a deposit may not take the room a charged order needs to be refunded: balance + unrefunded charges stays within NUMERIC(18,2)', async () => {
    const userId = randomUUID();
    const productId = await shop.createProduct(5, '40.00');
    await shop.createAccount(userId, '100.00');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId, quantity: 1, price: '40.00' }]);
    expect((await shop.finished(orderId)).status).toBe('Completed');
    // 60.00 left and 40.00 that a refund may still bring back: room for LARGEST - 100.00 more.
    const tooMuch = await call(`${system.url('billing')}/api/accounts/${userId}/deposits`, { body: { amount: '9999999999999900.00' } });
    expectProblem(tooMuch, 400, 'Bad Request', 'amount');
    expect(await shop.balance(userId)).toBe('60.00');
    const exact = await call(`${system.url('billing')}/api/accounts/${userId}/deposits`, { body: { amount: '9999999999999899.99' } });
    expect([exact.status, exact.body.balance]).toEqual([200, '9999999999999959.99']);
  });

  it('an order whose total is past NUMERIC(18,2) is a 400 naming items, and no order is written', async () => {
    const userId = randomUUID();
    const reply = await shop.placeOrder(userId, [{ productId: randomUUID(), quantity: 2, price: LARGEST }]);
    expectProblem(reply, 400, 'Bad Request', 'items');
    expect((await call(`${system.url('order')}/api/orders/user/${userId}`)).body.items).toEqual([]);
  });

  it.each([
    ['a NUL character', 'Wid\u0000get'],
    ['a lone high surrogate', 'Wid\ud800get'],
    ['a lone low surrogate', '\udc00Widget'],
  ])('%s in an order line productName is a 400 naming it, and no order is written', async (_name, productName) => {
    const userId = randomUUID();
    const reply = await shop.placeOrder(userId, [{ productId: randomUUID(), quantity: 1, price: '1.00', productName }]);
    expectProblem(reply, 400, 'Bad Request', 'items[0].productName');
    expect((await call(`${system.url('order')}/api/orders/user/${userId}`)).body.items).toEqual([]);
  });

  it.each([
    ['a NUL character', 'Wid\u0000get'],
    ['a lone surrogate', 'Wid\ud800get'],
  ])('%s in a product name is a 400 naming name', async (_name, name) => {
    expectProblem(await call(`${system.url('inventory')}/api/products`, { body: { name, price: '1.00', stock: 1 } }), 400, 'Bad Request', 'name');
  });

  it.each([
    ['a date JavaScript accepts and PostgreSQL does not (year 275760)', `+275760-09-13T00:00:00.000Z|${randomUUID()}`],
    ['a date before the year 1', `-000001-01-01T00:00:00.000Z|${randomUUID()}`],
    ['the year 0000', `0000-06-01T00:00:00.000Z|${randomUUID()}`],
    ['a NUL in the id', `2026-11-30T00:00:00.000Z|${randomUUID().slice(0, 35)}\u0000`],
    ['no separator', '2026-11-30T00:00:00.000Z'],
  ])('a cursor holding %s is a 400 naming cursor', async (_name, text) => {
    const cursor = Buffer.from(text).toString('base64url');
    expectProblem(await call(`${system.url('order')}/api/orders/user/${randomUUID()}?cursor=${cursor}`), 400, 'Bad Request', 'cursor');
    expectProblem(await call(`${system.url('order')}/console/api/sagas?cursor=${cursor}`), 400, 'Bad Request', 'cursor');
  });
});

describe('bodies that are not what they claim', () => {
  it('invalid UTF-8 is a 400, not silently stored as U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"Wid'), Buffer.from([0xff, 0xfe]), Buffer.from('get","price":"1.00","stock":1}')]);
    expectProblem(await raw('inventory', '/api/products', body, 'application/json'), 400, 'Bad Request', '(body)');
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['JSON in a charset other than UTF-8', 'application/json; charset=latin1'],
  ])('%s is a 415 titled Unsupported Media Type', async (_name, contentType) => {
    expectProblem(await raw('inventory', '/api/products', '{"name":"Widget","price":"1.00","stock":1}', contentType), 415, 'Unsupported Media Type');
  });

  it('JSON nested 20,000 levels deep is a 4xx', async () => {
    const reply = await raw('order', '/api/orders', `${'['.repeat(20_000)}${']'.repeat(20_000)}`, 'application/json');
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
  });

  it.each([
    ['a quantity past any number', '{"userId":"%U","items":[{"productId":"%P","quantity":1e400,"price":"1.00"}]}', 'items[0].quantity'],
    ['a price in exponent notation', '{"userId":"%U","items":[{"productId":"%P","quantity":1,"price":1e-7}]}', 'items[0].price'],
    ['a price with a third decimal', '{"userId":"%U","items":[{"productId":"%P","quantity":1,"price":"0.001"}]}', 'items[0].price'],
  ])('%s is a 400 naming the field', async (_name, template, field) => {
    const body = template.replace('%U', randomUUID()).replace('%P', randomUUID());
    expectProblem(await raw('order', '/api/orders', body, 'application/json'), 400, 'Bad Request', field);
  });

  it('an Idempotency-Key over 255 characters is a 400 naming it', async () => {
    const reply = await shop.placeOrder(randomUUID(), [{ productId: randomUUID(), quantity: 1, price: '1.00' }], { 'Idempotency-Key': 'k'.repeat(256) });
    expectProblem(reply, 400, 'Bad Request', 'Idempotency-Key');
  });

  it.each(['%00', '%E0%A4%A', 'not-a-uuid'])('a path id %s is a 4xx', async (id) => {
    const response = await fetch(`${system.url('order')}/api/orders/${id}`);
    expect(response.status).toBe(400);
  });
});

it('answered no request of this file with a 5xx', async () => {
  for (const service of SERVICE_NAMES) {
    const metrics = await (await fetch(`${system.url(service)}/metrics`)).text();
    expect([service, metrics.match(/^http_requests_total\{[^}]*status_code="5\d\d"[^}]*\} [1-9].*$/gm)]).toEqual([service, null]);
  }
});
