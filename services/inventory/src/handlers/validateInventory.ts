import { handler, messageAbout } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { productStock } from '../db/queries';
import { decideValidation } from '../domain/validation';

/** Answers whether the order could be served now; reserves nothing. One round trip to read with BEGIN, one to answer with COMMIT. */
export const onValidateInventory = handler(order.ValidateInventory, {
  load: (body) => ({ products: productStock({ ids: body.items.map((item) => item.productId) }) }),
  handle: ({ body, loaded, send }) => {
    const decision = decideValidation(body, { products: loaded.products });
    send(messageAbout({ type: 'order', id: body.orderId }, decision.reply));
  },
});
