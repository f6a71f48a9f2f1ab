import { formatMoney, parseMoney } from '@saga/shared/money';
import { topology } from '@saga/shared';
import { SERVICE_NAMES } from '../../services/registry';
import type { RunningSystem, Shop } from './api';

export interface World {
  products: Array<{ id: string; initialStock: number }>;
  accounts: Array<{ userId: string; initialBalance: string }>;
  orders: string[];
}

/** The world of one order: its one product and its customer's one account, as they were before it. */
export const oneOrderWorld = (orderId: string, product: { id: string; initialStock: number }, account: { userId: string; initialBalance: string }): World => ({
  products: [product],
  accounts: [account],
  orders: [orderId],
});

/**
 * The invariants of ARCHITECTURE.md, checked through the services' own APIs after a
 * run: every order terminal; stock conserved per product; each balance equals its
 * initial value minus completed charges; no order charged twice; a Completed order
 * has its charge and reservation (and, with an address, one Scheduled shipment), a
 * Failed one has neither left and no Scheduled shipment; error queues empty.
 * Returns the broken ones (empty when all hold).
 */
export async function brokenInvariants(shop: Shop, system: RunningSystem, world: World): Promise<string[]> {
  const broken: string[] = [];
  const charged = new Map<string, bigint>();
  for (const orderId of world.orders) {
    const order = (await shop.order(orderId)).body;
    if (order.status === 'Pending') broken.push(`order ${orderId} is not terminal`);
    const payments = await shop.payments(orderId);
    const completed = payments.filter((p) => p.status === 'Completed');
    if (completed.length > 1) broken.push(`order ${orderId} charged ${completed.length} times`);
    for (const p of completed) charged.set(p.userId, (charged.get(p.userId) ?? 0n) + parseMoney(p.amount));
    const held = (await shop.reservations(orderId)).filter((r) => r.status === 'Reserved');
    if (order.status === 'Completed' && (completed.length !== 1 || held.length === 0)) {
      broken.push(`completed order ${orderId} lacks its charge or reservation`);
    }
    if (order.status === 'Failed' && (completed.length > 0 || held.length > 0)) {
      broken.push(`failed order ${orderId} still has a charge or a reservation`);
    }
    const scheduled = (await shop.shipments(orderId)).filter((s) => s.status === 'Scheduled');
    const shipsTo = order.shippingAddress ? 1 : 0;
    if (order.status === 'Completed' && scheduled.length !== shipsTo) {
      broken.push(`completed order ${orderId} has ${scheduled.length} scheduled shipments, expected ${shipsTo}`);
    }
    if (order.status === 'Failed' && scheduled.length > 0) broken.push(`failed order ${orderId} still has a scheduled shipment`);
  }
  for (const { id, initialStock } of world.products) {
    const { stock, reserved } = await shop.product(id);
    if (stock + reserved !== initialStock) broken.push(`product ${id}: ${stock} + ${reserved} != ${initialStock}`);
  }
  for (const { userId, initialBalance } of world.accounts) {
    const expected = formatMoney(parseMoney(initialBalance) - (charged.get(userId) ?? 0n));
    const balance = await shop.balance(userId);
    if (balance !== expected) broken.push(`account ${userId}: balance ${balance}, expected ${expected}`);
  }
  for (const service of SERVICE_NAMES) {
    const queue = topology(system.namespace).errorQueue(service);
    const connection = await system.broker.connectAs(service);
    try {
      const { messageCount } = await (await connection.createChannel()).checkQueue(queue);
      if (messageCount > 0) broken.push(`${queue} holds ${messageCount} messages`);
    } finally {
      await connection.close();
    }
  }
  return broken;
}
