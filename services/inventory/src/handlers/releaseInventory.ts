import { handler, message } from '@saga/shared';
import { inventory, order } from '@saga/shared/contracts';
import {
  activeReservationsStatement,
  markReleasedStatement,
  moveStockStatement,
  releaseReservationsStatement,
  type ActiveReservation,
} from '../db/queries';

/**
 * Compensation: returns the order's reserved quantity to free stock, and remembers the
 * order as released so a reservation arriving later is refused. Releasing nothing is a success.
 * Two round trips: the active reservations are read and locked with BEGIN, the rest written with COMMIT.
 */
export const onReleaseInventory = handler(
  order.ReleaseInventory,
  async ({ body, loaded, defer, send, runtime }) => {
    const now = runtime.now();
    const active = (loaded[0] ?? []) as unknown as ActiveReservation[];
    defer(markReleasedStatement(body.orderId, now));
    if (active.length > 0) {
      defer(
        ...active.map((reservation) => moveStockStatement(reservation.productId, -reservation.quantity, now)),
        releaseReservationsStatement(active.map((reservation) => reservation.id), now),
      );
    }
    const releasedQuantity = active.reduce((sum, r) => sum + r.quantity, 0);
    await send(message(inventory.InventoryReleased, { orderId: body.orderId, releasedQuantity }, { type: 'order', id: body.orderId }));
  },
  {
    serializeBy: (body) => body.orderId, // one at a time with a ReserveInventory for the same order
    load: (body) => [activeReservationsStatement(body.orderId)],
  },
);
