import { handler, message } from '@saga/shared';
import { inventory, order } from '@saga/shared/contracts';
import { hasReservations, isReleased, loadProductStock, moveStock } from '../db/queries';
import { reservations } from '../db/schema';
import { decideStock } from '../domain/stock';

/** Reserves every line or none: the products are row-locked, checked, then moved from stock to reserved. */
export const onReserveInventory = handler(
  order.ReserveInventory,
  async ({ tx, body, send, runtime }) => {
    const ref = { type: 'order', id: body.orderId };
    if (await isReleased(tx, body.orderId)) {
      const reason = `Order ${body.orderId} was already released (compensated); the late reservation is refused`;
      await send(message(inventory.InventoryReservationFailed, { orderId: body.orderId, reason, code: 'order_released' }, ref));
      return;
    }
    if (await hasReservations(tx, body.orderId)) {
      // Reserved before under another message id: answer again, change nothing.
      await send(message(inventory.InventoryReserved, { orderId: body.orderId }, ref));
      return;
    }
    const stock = await loadProductStock(tx, body.items.map((item) => item.productId), true);
    const decision = decideStock(body.items, stock);
    if (!decision.ok) {
      await send(message(inventory.InventoryReservationFailed, { orderId: body.orderId, reason: decision.reason, code: decision.code }, ref));
      return;
    }
    const now = runtime.now();
    for (const line of decision.lines) await moveStock(tx, line.productId, line.quantity, now);
    await tx.insert(reservations).values(
      decision.lines.map((line) => ({
        id: runtime.newId(),
        orderId: body.orderId,
        productId: line.productId,
        quantity: line.quantity,
        status: 'Reserved' as const,
        createdAt: now,
        updatedAt: now,
      })),
    );
    await send(message(inventory.InventoryReserved, { orderId: body.orderId }, ref));
  },
  { serializeBy: (body) => body.orderId }, // one at a time with a ReleaseInventory for the same order
);
