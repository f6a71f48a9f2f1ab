import { checkDefinition, refusal, reply, send, type SagaDefinition } from '@saga/shared';
import { billing, inventory, order, type StockLine } from '@saga/shared/contracts';
import { paymentMismatch, refundMismatch, releaseMismatch } from './replyChecks';

export interface OrderSagaInput {
  orderId: string;
  userId: string;
  items: StockLine[];
  totalAmount: string;
}

/**
 * The order saga, step by step. Its machine (orderSaga.machine.ts), the order service's
 * reply handlers and queue bindings, the history lines and the metric labels all come
 * from this list: a step is added here, and nowhere else in the order service.
 */
export const orderSaga: SagaDefinition<OrderSagaInput> = checkDefinition({
  name: 'orderSaga',
  steps: [
    {
      name: 'ValidateInventory',
      command: send(order.ValidateInventory, (o: OrderSagaInput) => ({ orderId: o.orderId, items: o.items })),
      succeeded: reply(inventory.InventoryValidated, () => 'Inventory available'),
      failed: refusal(inventory.InventoryValidationFailed),
    },
    {
      name: 'ReserveInventory',
      command: send(order.ReserveInventory, (o: OrderSagaInput) => ({ orderId: o.orderId, items: o.items })),
      succeeded: reply(inventory.InventoryReserved, () => 'Inventory reserved'),
      failed: refusal(inventory.InventoryReservationFailed),
      compensation: {
        name: 'ReleaseInventory',
        command: send(order.ReleaseInventory, (o: OrderSagaInput) => ({ orderId: o.orderId })),
        done: reply(
          inventory.InventoryReleased,
          (r) => `Inventory released (${r.releasedQuantity} units)`,
          (o: OrderSagaInput, r) => releaseMismatch(o, r.releasedQuantity),
        ),
      },
    },
    {
      name: 'ProcessPayment',
      command: send(order.ProcessPayment, (o: OrderSagaInput) => ({ orderId: o.orderId, userId: o.userId, amount: o.totalAmount })),
      succeeded: reply(billing.PaymentProcessed, (r) => `Payment processed: ${r.amount}`, (o: OrderSagaInput, r) => paymentMismatch(o, r.amount)),
      failed: refusal(billing.PaymentFailed),
      compensation: {
        name: 'RefundPayment',
        // Carries the charge, so billing can refuse a charge that arrives after it.
        command: send(order.RefundPayment, (o: OrderSagaInput) => ({ orderId: o.orderId, userId: o.userId, amount: o.totalAmount })),
        done: reply(billing.PaymentRefunded, (r) => `Payment refunded: ${r.refundedAmount}`, (o: OrderSagaInput, r) => refundMismatch(o, r.refundedAmount)),
      },
    },
  ],
  completed: send(order.OrderCompleted, (o: OrderSagaInput) => ({ orderId: o.orderId, userId: o.userId, totalAmount: o.totalAmount })),
  failed: send(order.OrderFailed, (o: OrderSagaInput & { failureReason: string }) => ({ orderId: o.orderId, userId: o.userId, reason: o.failureReason })),
});
