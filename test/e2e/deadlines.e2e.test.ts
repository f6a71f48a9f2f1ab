import { randomUUID } from 'node:crypto';
import type { GetMessage } from 'amqplib';
import { topology } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { eventually } from '@saga/shared/testing';
import { ADDRESS, Shop } from '../support/api';
import { takeAll } from '../../shared/test/kernelFixture';
import { settledOn } from '../support/attacker';
import { deliver } from '../support/deliver';
import { brokenInvariants, oneOrderWorld } from '../support/invariants';
import { TestSystem } from '../support/system';

describe('saga deadlines', () => {
  let system: TestSystem;
  let shop: Shop;

  beforeAll(async () => {
    system = await TestSystem.start('e2e_deadline', { env: { SAGA_STEP_TIMEOUT_MS: '3000', DEADLINE_SWEEP_INTERVAL_MS: '100' } });
    shop = new Shop(system);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('when billing does not answer in time, the saga compensates and ends Compensated; the stale charge takes no money', async () => {
    const product = await shop.createProduct(5, '40.00');
    const userId = randomUUID();
    await shop.createAccount(userId, '100.00');
    await system.stopService('billing');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 2, price: '40.00' }]);
    const timedOut = await eventually(
      async () => {
        const saga = (await shop.saga(orderId)).body;
        return saga.history.some((h: { status: string }) => h.status === 'TimedOut') ? saga : undefined;
      },
      { what: 'the payment step to time out' },
    );
    expect(timedOut).toMatchObject({ status: 'Compensating', currentStep: 'RefundPayment' });
    expect(timedOut.history.at(-1)).toMatchObject({ step: 'ProcessPayment', status: 'TimedOut', message: 'No reply to ProcessPayment within 3 s' });

    // The order service restarts meanwhile: deadlines live in the saga row and keep being enforced.
    await system.stopService('order');
    await system.startService('order');
    await system.startService('billing');

    const saga = await shop.finished(orderId);
    expect(saga.status).toBe('Compensated');
    expect(saga.history.map((h: { step: string }) => h.step)).toEqual(
      expect.arrayContaining(['ValidateInventory', 'ReserveInventory', 'ProcessPayment', 'RefundPayment', 'ReleaseInventory']),
    );
    expect((await shop.order(orderId)).body.status).toBe('Failed');
    expect(await shop.balance(userId)).toBe('100.00');
    expect(await shop.product(product)).toMatchObject({ stock: 5, reserved: 0 });
    const [payment] = await shop.payments(orderId);
    expect(['Refunded', 'Failed']).toContain(payment!.status);
    expect(
      await brokenInvariants(shop, system, oneOrderWorld(orderId, { id: product, initialStock: 5 }, { userId, initialBalance: '100.00' })),
    ).toEqual([]);
  });

  /** Takes every message waiting in `service`'s work queue (as if lost on the way), and returns them. */
  async function drainQueue(service: 'shipping'): Promise<GetMessage[]> {
    const connection = await system.broker.connectAs(service);
    try {
      return await takeAll(await connection.createChannel(), topology(system.namespace).queue(service));
    } finally {
      await connection.close();
    }
  }

  it('when shipping does not answer in time, it cancels the shipment, refunds, then releases; a ScheduleShipping that arrives after its cancel is refused', async () => {
    const product = await shop.createProduct(5, '15.00');
    const userId = randomUUID();
    await shop.createAccount(userId, '100.00');
    await system.stopService('shipping');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 2, price: '15.00' }], ADDRESS);
    const timedOut = await shop.waitFor(orderId, (saga) => saga.history.some((h: { status: string }) => h.status === 'TimedOut'));
    expect(timedOut).toMatchObject({ status: 'Compensating', currentStep: 'CancelShipment' });
    expect(timedOut.history.at(-1)).toMatchObject({ step: 'ScheduleShipping', status: 'TimedOut', message: 'No reply to ScheduleShipping within 3 s' });

    // The ScheduleShipping is held back (and the CancelShipments behind it lost): the saga sends CancelShipment again, which now comes first.
    const held = (await drainQueue('shipping')).find((m) => m.properties.type === order.ScheduleShipping.messageType);
    expect(held).toBeDefined();
    await system.startService('shipping');
    const saga = await shop.finished(orderId);
    expect(saga.status).toBe('Compensated');
    const undone = saga.history.filter((h: { status: string }) => h.status === 'Completed').map((h: { step: string }) => h.step);
    expect(undone).toEqual(['ValidateInventory', 'ReserveInventory', 'ProcessPayment', 'CancelShipment', 'RefundPayment', 'ReleaseInventory']);
    expect(await shop.shipments(orderId)).toEqual([expect.objectContaining({ status: 'Cancelled', carrier: null, reason: 'Cancelled before it was scheduled' })]);

    // The late ScheduleShipping arrives: refused, nothing shipped.
    const settled = settledOn(system, 'shipping', String(held!.properties.messageId));
    const connection = await system.broker.connectAs('order');
    const channel = await connection.createConfirmChannel();
    channel.publish(topology(system.namespace).exchange, order.ScheduleShipping.messageType, held!.content, held!.properties);
    await channel.waitForConfirms();
    await connection.close();
    expect((await settled).result).toBe('handled');
    expect(await shop.shipments(orderId)).toEqual([expect.objectContaining({ status: 'Cancelled' })]);
    expect(await shop.balance(userId)).toBe('100.00');
    expect(
      await brokenInvariants(shop, system, oneOrderWorld(orderId, { id: product, initialStock: 5 }, { userId, initialBalance: '100.00' })),
    ).toEqual([]);
  });
});

describe('a compensation that overtakes its action', () => {
  let system: TestSystem;
  let shop: Shop;

  beforeAll(async () => {
    // No order service: replies go unrouted, so each test drives inventory and billing directly.
    system = await TestSystem.start('e2e_overtake', { services: ['inventory', 'billing'] });
    shop = new Shop(system);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('refuses a ReserveInventory that arrives after its ReleaseInventory: no stock stays reserved', async () => {
    const product = await shop.createProduct(3, '1.00');
    const orderId = randomUUID();
    expect(await deliver(system, 'inventory', order.ReleaseInventory, { orderId }, orderId)).toBe('handled');
    expect(await deliver(system, 'inventory', order.ReserveInventory, { orderId, items: [{ productId: product, quantity: 2 }] }, orderId)).toBe('handled');
    expect(await shop.reservations(orderId)).toEqual([]);
    expect(await shop.product(product)).toMatchObject({ stock: 3, reserved: 0 });
  });

  it('refuses a ProcessPayment that arrives after its RefundPayment: no money is charged', async () => {
    const userId = randomUUID();
    await shop.createAccount(userId, '50.00');
    const orderId = randomUUID();
    expect(await deliver(system, 'billing', order.RefundPayment, { orderId, userId, amount: '30.00' }, orderId)).toBe('handled');
    expect(await deliver(system, 'billing', order.ProcessPayment, { orderId, userId, amount: '30.00' }, orderId)).toBe('handled');
    expect(await shop.balance(userId)).toBe('50.00');
    expect(await shop.payments(orderId)).toEqual([expect.objectContaining({ status: 'Failed', amount: '30.00' })]);
  });

  it('refunds a charge when the refund comes after it', async () => {
    const userId = randomUUID();
    await shop.createAccount(userId, '50.00');
    const orderId = randomUUID();
    await deliver(system, 'billing', order.ProcessPayment, { orderId, userId, amount: '30.00' }, orderId);
    expect(await shop.balance(userId)).toBe('20.00');
    await deliver(system, 'billing', order.RefundPayment, { orderId, userId, amount: '30.00' }, orderId);
    expect(await shop.balance(userId)).toBe('50.00');
    expect(await shop.payments(orderId)).toEqual([expect.objectContaining({ status: 'Refunded' })]);
  });

});
