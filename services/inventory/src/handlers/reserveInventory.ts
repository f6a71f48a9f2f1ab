import { handler, messageAbout } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { anyReservation, inventoryStatements, lockedProductStock, releasedMark } from '../db/queries';
import { decideReservation } from '../domain/reservation';

/**
 * Reserves every line or none. Two round trips: the order's tombstone, whether it was
 * reserved before, and its products' stock (row-locked in id order) are read with BEGIN,
 * after the order's key lock; the decided moves and reservations are written with COMMIT.
 */
export const onReserveInventory = handler(order.ReserveInventory, {
  serializeBy: (body) => body.orderId, // one at a time with a ReleaseInventory for the same order
  load: (body) => ({
    released: releasedMark({ orderId: body.orderId }),
    reserved: anyReservation({ orderId: body.orderId }),
    products: lockedProductStock({ ids: body.items.map((item) => item.productId) }),
  }),
  handle: ({ body, loaded, write, send, runtime }) => {
    const state = { released: loaded.released.length > 0, reserved: loaded.reserved.length > 0, products: loaded.products };
    const decision = decideReservation(body, state, () => runtime.newId());
    write(...inventoryStatements(decision.writes, runtime.now()));
    send(messageAbout({ type: 'order', id: body.orderId }, decision.reply));
  },
});
