import { handler, message } from '@saga/shared';
import { inventory, order } from '@saga/shared/contracts';
import { productStockStatement, stockById } from '../db/queries';
import { decideStock } from '../domain/stock';

/** Answers whether the order could be served now; reserves nothing. */
export const onValidateInventory = handler(
  order.ValidateInventory,
  async ({ body, loaded, send }) => {
    const decision = decideStock(body.items, stockById(loaded[0] ?? []));
    const ref = { type: 'order', id: body.orderId };
    await send(
      decision.ok
        ? message(inventory.InventoryValidated, { orderId: body.orderId }, ref)
        : message(inventory.InventoryValidationFailed, { orderId: body.orderId, reason: decision.reason, code: decision.code }, ref),
    );
  },
  { load: (body) => [productStockStatement(body.items.map((item) => item.productId), false)] },
);
