import { parseMoney } from '@saga/shared/money';
import type { OrderSagaContext, OrderSagaEvent } from './orderSaga.machine';

/**
 * Why a reply cannot be about this saga, or undefined when it can: a payment or refund of
 * another amount than the order's total, a release of more units than the order has.
 * Such a reply is refused (error queue, reply-mismatch), never applied, whatever the
 * saga's state: its sender is authenticated, so it is a bug or a compromised service.
 */
export function replyMismatch(context: OrderSagaContext, event: OrderSagaEvent): string | undefined {
  const total = parseMoney(context.totalAmount);
  switch (event.type) {
    case 'PaymentProcessed':
      return parseMoney(event.amount) === total ? undefined : `payment of ${event.amount} for an order whose total is ${context.totalAmount}`;
    case 'PaymentRefunded': {
      const refunded = parseMoney(event.refundedAmount);
      return refunded === 0n || refunded === total ? undefined : `refund of ${event.refundedAmount} for an order whose total is ${context.totalAmount}`;
    }
    case 'InventoryReleased': {
      const units = context.items.reduce((sum, item) => sum + item.quantity, 0);
      return event.releasedQuantity <= units ? undefined : `release of ${event.releasedQuantity} units for an order of ${units}`;
    }
    default:
      return undefined;
  }
}
