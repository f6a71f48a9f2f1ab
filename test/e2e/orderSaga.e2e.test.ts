import { randomUUID } from 'node:crypto';
import { Shop } from '../support/api';
import { brokenInvariants, oneOrderWorld, type World } from '../support/invariants';
import { TestSystem } from '../support/system';

let system: TestSystem;
let shop: Shop;

beforeAll(async () => {
  system = await TestSystem.start('e2e_saga');
  shop = new Shop(system);
});
afterAll(async () => {
  await system?.stop();
});

async function customer(balance: string): Promise<string> {
  const userId = randomUUID();
  await shop.createAccount(userId, balance);
  return userId;
}

describe('order saga over HTTP, RabbitMQ and PostgreSQL', () => {
  it('completes an order when stock and funds suffice: stock reserved, payment charged', async () => {
    const laptop = await shop.createProduct(5, '1299.99', 'Laptop');
    const mouse = await shop.createProduct(10, '0.10', 'Mouse');
    const userId = await customer('5000.00');
    const placed = await shop.placeOrder(userId, [
      { productId: laptop, quantity: 2, price: 1299.99, productName: 'Laptop' },
      { productId: mouse, quantity: 3, price: '0.10' },
    ]);
    expect(placed.status).toBe(202);
    expect(placed.headers.get('location')).toBe(`/api/orders/${placed.body.id}`);
    expect(placed.body).toMatchObject({ userId, status: 'Pending', totalAmount: '2600.28' });

    const saga = await shop.finished(placed.body.id);
    expect(saga).toMatchObject({ orderId: placed.body.id, status: 'Completed', currentStep: 'Completed' });
    expect(saga.history.map((h: { step: string; status: string }) => `${h.step}:${h.status}`)).toEqual([
      'ValidateInventory:Completed',
      'ReserveInventory:Completed',
      'ProcessPayment:Completed',
      'ScheduleShipping:Skipped',
    ]);
    expect((await shop.order(placed.body.id)).body.status).toBe('Completed');
    expect(await shop.product(laptop)).toMatchObject({ stock: 3, reserved: 2 });
    expect(await shop.product(mouse)).toMatchObject({ stock: 7, reserved: 3 });
    expect(await shop.balance(userId)).toBe('2399.72');
    expect(await shop.payments(placed.body.id)).toEqual([
      expect.objectContaining({ orderId: placed.body.id, userId, amount: '2600.28', status: 'Completed' }),
    ]);
  });

  it('fails an order for an unknown product at ValidateInventory, naming the product', async () => {
    const unknown = randomUUID();
    const userId = await customer('100.00');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId: unknown, quantity: 1, price: '1.00' }]);
    const saga = await shop.finished(orderId);
    expect(saga).toMatchObject({ status: 'Failed', currentStep: 'Failed' });
    expect(saga.history).toEqual([expect.objectContaining({ step: 'ValidateInventory', status: 'Failed', message: `Unknown product: ${unknown}` })]);
    expect((await shop.order(orderId)).body.status).toBe('Failed');
    expect(await shop.payments(orderId)).toEqual([]);
  });

  it('fails an order for more than the stock at ValidateInventory with nothing to compensate', async () => {
    const product = await shop.createProduct(2, '5.00', 'Lamp');
    const userId = await customer('100.00');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 3, price: '5.00' }]);
    const saga = await shop.finished(orderId);
    expect(saga.status).toBe('Failed');
    expect(saga.history[0].message).toBe(`Insufficient stock for Lamp (${product}): 2 available, 3 requested`);
    expect(await shop.product(product)).toMatchObject({ stock: 2, reserved: 0 });
  });

  it('fails the order whose reservation finds the stock taken meanwhile, all or nothing', async () => {
    const product = await shop.createProduct(10, '1.00', 'Chair');
    const other = await shop.createProduct(10, '1.00', 'Table');
    const first = await customer('100.00');
    const second = await customer('100.00');
    // With inventory stopped, both ValidateInventory commands queue up, so both validate before either reserves.
    await system.stopService('inventory');
    const a = await shop.placeAcceptedOrder(first, [{ productId: product, quantity: 10, price: '1.00' }]);
    const b = await shop.placeAcceptedOrder(second, [
      { productId: other, quantity: 5, price: '1.00' },
      { productId: product, quantity: 10, price: '1.00' },
    ]);
    await system.startService('inventory');
    const sagas = [await shop.finished(a), await shop.finished(b)];
    const failed = sagas.filter((s) => s.status === 'Failed');
    expect(sagas.map((s) => s.status).sort()).toEqual(['Completed', 'Failed']);
    expect(failed[0].history.map((h: { step: string; status: string }) => `${h.step}:${h.status}`)).toEqual([
      'ValidateInventory:Completed',
      'ReserveInventory:Failed',
    ]);
    expect(await shop.product(product)).toMatchObject({ stock: 0, reserved: 10 });
    expect(await shop.product(other)).toMatchObject({ stock: sagas[1]!.status === 'Completed' ? 5 : 10 });
  });

  it('when payment is declined, inventory is released and the saga ends Compensated with the order Failed', async () => {
    const product = await shop.createProduct(4, '1299.99', 'Phone');
    const userId = await customer('10.00');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 1, price: '1299.99' }]);
    const saga = await shop.finished(orderId);
    expect(saga).toMatchObject({ status: 'Compensated', currentStep: 'Compensated' });
    expect(saga.history.map((h: { step: string; status: string; message: string }) => `${h.step}:${h.status}:${h.message}`)).toEqual([
      'ValidateInventory:Completed:Inventory available',
      'ReserveInventory:Completed:Inventory reserved',
      'ProcessPayment:Failed:Insufficient funds: balance 10.00, needed 1299.99',
      'ReleaseInventory:Completed:Inventory released (1 units)',
    ]);
    expect((await shop.order(orderId)).body.status).toBe('Failed');
    expect(await shop.product(product)).toMatchObject({ stock: 4, reserved: 0 });
    expect(await shop.reservations(orderId)).toEqual([expect.objectContaining({ quantity: 1, status: 'Released' })]);
    expect(await shop.payments(orderId)).toEqual([expect.objectContaining({ status: 'Failed', amount: '1299.99' })]);
    expect(await shop.balance(userId)).toBe('10.00');
  });

  it('compensates an order from a user without an account', async () => {
    const product = await shop.createProduct(4, '3.00');
    const orderId = await shop.placeAcceptedOrder(randomUUID(), [{ productId: product, quantity: 1, price: '3.00' }]);
    const saga = await shop.finished(orderId);
    expect(saga.status).toBe('Compensated');
    expect(saga.history[2].message).toMatch(/^No account for user /);
    expect(await shop.product(product)).toMatchObject({ stock: 4, reserved: 0 });
  });

  it('sells exactly the stock when 20 orders race for 10 items, and every invariant holds', async () => {
    const product = await shop.createProduct(10, '25.00', 'Limited edition');
    const world: World = { products: [{ id: product, initialStock: 10 }], accounts: [], orders: [] };
    const users = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const userId = await customer('100.00');
        world.accounts.push({ userId, initialBalance: '100.00' });
        return userId;
      }),
    );
    world.orders = await Promise.all(
      users.map((userId) => shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 1, price: '25.00' }])),
    );
    const sagas = await Promise.all(world.orders.map((id) => shop.finished(id)));
    expect(sagas.filter((s) => s.status === 'Completed')).toHaveLength(10);
    expect(sagas.filter((s) => s.status === 'Failed')).toHaveLength(10);
    expect(await shop.product(product)).toMatchObject({ stock: 0, reserved: 10 });
    expect(await brokenInvariants(shop, system, world)).toEqual([]);
  });

  it('resumes sagas in flight after the order service restarts', async () => {
    const product = await shop.createProduct(3, '2.00');
    const userId = await customer('10.00');
    await system.stopService('inventory');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 1, price: '2.00' }]);
    await system.stopService('order');
    await system.startService('inventory');
    await system.startService('order');
    const saga = await shop.finished(orderId);
    expect(saga.status).toBe('Completed');
    expect(
      await brokenInvariants(shop, system, oneOrderWorld(orderId, { id: product, initialStock: 3 }, { userId, initialBalance: '10.00' })),
    ).toEqual([]);
  });
});
