import { handler, messageAbout } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { activeReservations, inventoryStatements } from '../db/queries';
import { decideRelease } from '../domain/release';

/**
 * Compensation: returns the order's reserved quantity to free stock, and remembers the
 * order as released so a reservation arriving later is refused. Releasing nothing is a
 * success. Two round trips: the active reservations are read and locked with BEGIN
 * (after the order's key lock), the decided changes written with COMMIT.
 */
export const onReleaseInventory = handler(order.ReleaseInventory, {
  serializeBy: (body) => body.orderId, // one at a time with a ReserveInventory for the same order
  load: (body) => ({ active: activeReservations({ orderId: body.orderId }) }),
  handle: ({ body, loaded, write, send, runtime }) => {
    const decision = decideRelease(body, { active: loaded.active });
    write(...inventoryStatements(decision.writes, runtime.now()));
    send(messageAbout({ type: 'order', id: body.orderId }, decision.reply));
  },
});
