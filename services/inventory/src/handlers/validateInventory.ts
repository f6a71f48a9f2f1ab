import { handler, message } from '@saga/shared';
import { inventory, order } from '@saga/shared/contracts';
import { loadProductStock } from '../db/queries';
import { decideStock } from '../domain/stock';

/** Answers whether the order could be served now; reserves nothing. */
export const onValidateInventory = handler(order.ValidateInventory, async ({ tx, body, send }) => {
  const stock = await loadProductStock(tx, body.items.map((item) => item.productId), false);
  const decision = decideStock(body.items, stock);
  const ref = { type: 'order', id: body.orderId };
  await send(
    decision.ok
      ? message(inventory.InventoryValidated, { orderId: body.orderId }, ref)
      : message(inventory.InventoryValidationFailed, { orderId: body.orderId, reason: decision.reason, code: decision.code }, ref),
  );
});
