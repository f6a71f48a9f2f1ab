import { parseMoney } from '@saga/shared/money';
import type { OrderSagaInput } from './orderSaga.definition';

// Why a reply cannot be about this order (undefined when it can). The saga definition
// attaches each to its reply; such a reply is refused (error queue, reply-mismatch).

/** A payment must be of the order's total. */
export function paymentMismatch(order: OrderSagaInput, amount: string): string | undefined {
  return parseMoney(amount) === parseMoney(order.totalAmount) ? undefined : `payment of ${amount} for an order whose total is ${order.totalAmount}`;
}

/** A refund is of nothing (it overtook the charge) or of the order's total. */
export function refundMismatch(order: OrderSagaInput, refunded: string): string | undefined {
  const amount = parseMoney(refunded);
  return amount === 0n || amount === parseMoney(order.totalAmount) ? undefined : `refund of ${refunded} for an order whose total is ${order.totalAmount}`;
}

/** A release cannot be of more units than the order has. */
export function releaseMismatch(order: OrderSagaInput, releasedQuantity: number): string | undefined {
  const units = order.items.reduce((sum, item) => sum + item.quantity, 0);
  return releasedQuantity <= units ? undefined : `release of ${releasedQuantity} units for an order of ${units}`;
}
