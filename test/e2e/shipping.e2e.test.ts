import { randomUUID } from 'node:crypto';
import { ADDRESS, call, Shop, UNSERVED_ADDRESS } from '../support/api';
import { brokenInvariants, oneOrderWorld } from '../support/invariants';
import { TestSystem } from '../support/system';

// Saga version 2 over the four services: an order with an address is shipped after its
// payment; one without skips shipping; a destination shipping does not serve is refused
// after the payment, which is refunded, then the inventory released.

let system: TestSystem;
let shop: Shop;

beforeAll(async () => {
  system = await TestSystem.start('e2e_shipping');
  shop = new Shop(system);
});
afterAll(async () => {
  await system?.stop();
});

const steps = (saga: { history: Array<{ step: string; status: string }> }) => saga.history.map((h) => `${h.step}:${h.status}`);

async function customer(balance: string): Promise<string> {
  const userId = randomUUID();
  await shop.createAccount(userId, balance);
  return userId;
}

describe('shipping, the fourth step (saga version 2)', () => {
  it('ships an order with an address after its payment, with a carrier and a tracking number', async () => {
    const product = await shop.createProduct(5, '20.00', 'Kettle');
    const userId = await customer('100.00');
    const placed = await shop.placeOrder(userId, [{ productId: product, quantity: 2, price: '20.00' }], undefined, { ...ADDRESS, line2: 'Flat 3' });
    expect(placed.status).toBe(202);
    expect(placed.body.shippingAddress).toEqual({ ...ADDRESS, line2: 'Flat 3' });
    const saga = await shop.finished(placed.body.id);
    expect(saga).toMatchObject({ status: 'Completed', definitionVersion: 2, parked: false });
    expect(steps(saga)).toEqual(['ValidateInventory:Completed', 'ReserveInventory:Completed', 'ProcessPayment:Completed', 'ScheduleShipping:Completed']);
    const [shipment, ...more] = await shop.shipments(placed.body.id);
    expect(more).toEqual([]);
    expect(shipment).toMatchObject({ orderId: placed.body.id, status: 'Scheduled', carrier: 'FedEx', address: { ...ADDRESS, line2: 'Flat 3' } });
    expect(shipment!.trackingNumber).toMatch(/^FEDEX[0-9A-F]{12}$/);
    expect(saga.history.at(-1).message).toBe(`Shipment scheduled with FedEx: ${shipment!.trackingNumber}`);
    const one = await call(`${system.url('shipping')}/api/shipments/${shipment!.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(shipment);
    expect(one.body).toEqual(expect.objectContaining({ createdAt: expect.any(String), updatedAt: expect.any(String) }));
  });

  it('skips shipping for an order without an address (digital goods), and its history says so', async () => {
    const product = await shop.createProduct(5, '9.99', 'E-book');
    const orderId = await shop.placeAcceptedOrder(await customer('50.00'), [{ productId: product, quantity: 1, price: '9.99' }]);
    const saga = await shop.finished(orderId);
    expect(saga.status).toBe('Completed');
    expect(saga.history.at(-1)).toMatchObject({ step: 'ScheduleShipping', status: 'Skipped', message: 'No shipping address (digital goods): nothing to ship' });
    expect(await shop.shipments(orderId)).toEqual([]);
    expect((await shop.order(orderId)).body.shippingAddress).toBeNull();
  });

  it('refuses a destination it does not serve after the payment: refund, then release, saga Compensated, order Failed', async () => {
    const product = await shop.createProduct(5, '30.00', 'Parka');
    const userId = await customer('100.00');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 2, price: '30.00' }], UNSERVED_ADDRESS);
    const saga = await shop.finished(orderId);
    expect(saga).toMatchObject({ status: 'Compensated', currentStep: 'Compensated' });
    expect(saga.history.map((h: { step: string; status: string; message: string }) => `${h.step}:${h.status}:${h.message}`)).toEqual([
      'ValidateInventory:Completed:Inventory available',
      'ReserveInventory:Completed:Inventory reserved',
      'ProcessPayment:Completed:Payment processed: 60.00',
      'ScheduleShipping:Failed:We do not ship to AQ',
      'RefundPayment:Completed:Payment refunded: 60.00',
      'ReleaseInventory:Completed:Inventory released (2 units)',
    ]);
    expect((await shop.order(orderId)).body.status).toBe('Failed');
    expect(await shop.payments(orderId)).toEqual([expect.objectContaining({ status: 'Refunded', amount: '60.00' })]);
    expect(await shop.balance(userId)).toBe('100.00');
    expect(await shop.product(product)).toMatchObject({ stock: 5, reserved: 0 });
    expect(await shop.shipments(orderId)).toEqual([expect.objectContaining({ status: 'Refused', carrier: null, trackingNumber: null, reason: 'We do not ship to AQ' })]);
    expect(
      await brokenInvariants(shop, system, oneOrderWorld(orderId, { id: product, initialStock: 5 }, { userId, initialBalance: '100.00' })),
    ).toEqual([]);
  });

  it.each([
    ['country', { country: 'XX' }, 'must be an ISO 3166-1 alpha-2 country code'],
    ['country', { country: 'de' }, 'must be an ISO 3166-1 alpha-2 country code'],
    ['country', { country: 'EU' }, 'must be an ISO 3166-1 alpha-2 country code'],
    ['name', { name: 'x'.repeat(201) }, 'at most 200 characters'],
    ['city', { city: '   ' }, 'must not be blank'],
    ['line1', { line1: 'Main\u0000Street' }, 'NUL'],
    ['postalCode', { postalCode: 12345 }, 'expected string'],
    ['line2', { line2: '\uD800' }, 'surrogate'],
    ['extra', { extra: 'field' }, 'Unrecognized key'],
  ])('refuses a shipping address with a bad %s: 400 problem+json naming the field', async (field, change, message) => {
    const product = await shop.createProduct(1, '1.00');
    const reply = await shop.placeOrder(randomUUID(), [{ productId: product, quantity: 1, price: '1.00' }], undefined, { ...ADDRESS, ...change } as never);
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const error = reply.body.errors.find((e: { field: string }) => e.field.startsWith('shippingAddress'));
    expect(error.field).toBe(field === 'extra' ? 'shippingAddress' : `shippingAddress.${field}`);
    expect(error.message).toContain(message);
  });

  it('takes a null address as none, and an empty second line as none', async () => {
    const product = await shop.createProduct(5, '1.00');
    const userId = await customer('10.00');
    const none = await shop.placeOrder(userId, [{ productId: product, quantity: 1, price: '1.00' }], undefined, null as never);
    expect([none.status, none.body.shippingAddress]).toEqual([202, null]);
    const placed = await shop.placeOrder(userId, [{ productId: product, quantity: 1, price: '1.00' }], undefined, { ...ADDRESS, line2: '' });
    expect([placed.status, placed.body.shippingAddress]).toEqual([202, ADDRESS]);
    expect((await shop.finished(placed.body.id)).status).toBe('Completed');
    expect(await shop.shipments(placed.body.id)).toEqual([expect.objectContaining({ status: 'Scheduled', address: ADDRESS })]);
  });

  it('refuses a shipping address that is missing a field, or is not an object', async () => {
    const product = await shop.createProduct(1, '1.00');
    const { city: _, ...noCity } = ADDRESS;
    const missing = await shop.placeOrder(randomUUID(), [{ productId: product, quantity: 1, price: '1.00' }], undefined, noCity as never);
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'shippingAddress.city' })]);
    const text = await call(`${system.url('order')}/api/orders`, { body: { userId: randomUUID(), items: [{ productId: product, quantity: 1, price: '1.00' }], shippingAddress: 'London' } });
    expect(text.status).toBe(400);
    expect(text.body.errors).toEqual([expect.objectContaining({ field: 'shippingAddress' })]);
  });

  it('answers the shipments API with problem+json for bad and unknown ids', async () => {
    const base = `${system.url('shipping')}/api/shipments`;
    expect((await call(`${base}?orderId=nope`)).body.errors).toEqual([expect.objectContaining({ field: 'orderId' })]);
    expect((await call(base)).status).toBe(400);
    expect((await call(`${base}/nope`)).status).toBe(400);
    const missing = await call(`${base}/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await shop.shipments(randomUUID())).toEqual([]);
  });
});
