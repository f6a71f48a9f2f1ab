import { inArray } from 'drizzle-orm';
import { handler, message } from '@saga/shared';
import { inventory, order } from '@saga/shared/contracts';
import { activeReservations, moveStock } from '../db/queries';
import { releasedOrders, reservations } from '../db/schema';

/**
 * Compensation: returns the order's reserved quantity to free stock, and remembers the
 * order as released so a reservation arriving later is refused. Releasing nothing is a success.
 */
export const onReleaseInventory = handler(
  order.ReleaseInventory,
  async ({ tx, body, send, runtime }) => {
    const now = runtime.now();
    await tx.insert(releasedOrders).values({ orderId: body.orderId, releasedAt: now }).onConflictDoNothing();
    const active = await activeReservations(tx, body.orderId, true);
    for (const reservation of active) await moveStock(tx, reservation.productId, -reservation.quantity, now);
    if (active.length > 0) {
      await tx
        .update(reservations)
        .set({ status: 'Released', updatedAt: now })
        .where(inArray(reservations.id, active.map((r) => r.id)));
    }
    const releasedQuantity = active.reduce((sum, r) => sum + r.quantity, 0);
    await send(message(inventory.InventoryReleased, { orderId: body.orderId, releasedQuantity }, { type: 'order', id: body.orderId }));
  },
  { serializeBy: (body) => body.orderId }, // one at a time with a ReserveInventory for the same order
);
