import { handler, message } from '@saga/shared';
import { inventory, order } from '@saga/shared/contracts';
import { insertReservationsStatement, moveStockStatement, orderMarksStatement, productStockStatement, stockById } from '../db/queries';
import { decideStock } from '../domain/stock';

/**
 * Reserves every line or none: the products are row-locked, checked, then moved from stock
 * to reserved. Two round trips: the order's marks and the locked stock are read with BEGIN
 * (after the order's key lock), the moves and reservations written with COMMIT.
 */
export const onReserveInventory = handler(
  order.ReserveInventory,
  async ({ body, loaded, defer, send, runtime }) => {
    const ref = { type: 'order', id: body.orderId };
    const [marks] = loaded[0] ?? [];
    if (marks?.released) {
      const reason = `Order ${body.orderId} was already released (compensated); the late reservation is refused`;
      await send(message(inventory.InventoryReservationFailed, { orderId: body.orderId, reason, code: 'order_released' }, ref));
      return;
    }
    if (marks?.reserved) {
      // Reserved before under another message id: answer again, change nothing.
      await send(message(inventory.InventoryReserved, { orderId: body.orderId }, ref));
      return;
    }
    const decision = decideStock(body.items, stockById(loaded[1] ?? []));
    if (!decision.ok) {
      await send(message(inventory.InventoryReservationFailed, { orderId: body.orderId, reason: decision.reason, code: decision.code }, ref));
      return;
    }
    const now = runtime.now();
    defer(
      ...decision.lines.map((line) => moveStockStatement(line.productId, line.quantity, now)),
      insertReservationsStatement(
        decision.lines.map((line) => ({ id: runtime.newId(), orderId: body.orderId, productId: line.productId, quantity: line.quantity })),
        now,
      ),
    );
    await send(message(inventory.InventoryReserved, { orderId: body.orderId }, ref));
  },
  {
    serializeBy: (body) => body.orderId, // one at a time with a ReleaseInventory for the same order
    load: (body) => [orderMarksStatement(body.orderId), productStockStatement(body.items.map((item) => item.productId), true)],
  },
);
