import { checkDefinition, refusal, reply, send, type SagaDefinition, type Step } from '@saga/shared';
import { billing, inventory, order, shipping, type ShippingAddress, type StockLine } from '@saga/shared/contracts';
import { paymentMismatch, refundMismatch, releaseMismatch } from './replyChecks';

/** What a version-1 saga carries (orders placed before shipping existed). */
export interface OrderSagaInputV1 {
  orderId: string;
  userId: string;
  items: StockLine[];
  totalAmount: string;
}

/** What a version-2 saga carries: the address to ship to, null for an order with nothing to ship (digital goods). */
export interface OrderSagaInputV2 extends OrderSagaInputV1 {
  shippingAddress: ShippingAddress | null;
}

/** What any order saga carries. */
export type OrderSagaInput = OrderSagaInputV1 | OrderSagaInputV2;

// The order saga, step by step. Its machines, the order service's reply handlers and queue
// bindings, the history lines and the metric labels all come from these lists; the
// versions and what becomes of their sagas in flight are in orderSaga.versions.ts.

const validateInventory: Step<OrderSagaInputV1> = {
  name: 'ValidateInventory',
  command: send(order.ValidateInventory, (o: OrderSagaInputV1) => ({ orderId: o.orderId, items: o.items })),
  succeeded: reply(inventory.InventoryValidated, () => 'Inventory available'),
  failed: refusal(inventory.InventoryValidationFailed),
};

const reserveInventory: Step<OrderSagaInputV1> = {
  name: 'ReserveInventory',
  command: send(order.ReserveInventory, (o: OrderSagaInputV1) => ({ orderId: o.orderId, items: o.items })),
  succeeded: reply(inventory.InventoryReserved, () => 'Inventory reserved'),
  failed: refusal(inventory.InventoryReservationFailed),
  compensation: {
    name: 'ReleaseInventory',
    command: send(order.ReleaseInventory, (o: OrderSagaInputV1) => ({ orderId: o.orderId })),
    done: reply(
      inventory.InventoryReleased,
      (r) => `Inventory released (${r.releasedQuantity} units)`,
      (o: OrderSagaInputV1, r) => releaseMismatch(o, r.releasedQuantity),
    ),
  },
};

const processPayment: Step<OrderSagaInputV1> = {
  name: 'ProcessPayment',
  command: send(order.ProcessPayment, (o: OrderSagaInputV1) => ({ orderId: o.orderId, userId: o.userId, amount: o.totalAmount })),
  succeeded: reply(billing.PaymentProcessed, (r) => `Payment processed: ${r.amount}`, (o: OrderSagaInputV1, r) => paymentMismatch(o, r.amount)),
  failed: refusal(billing.PaymentFailed),
  compensation: {
    name: 'RefundPayment',
    // Carries the charge, so billing can refuse a charge that arrives after it.
    command: send(order.RefundPayment, (o: OrderSagaInputV1) => ({ orderId: o.orderId, userId: o.userId, amount: o.totalAmount })),
    done: reply(billing.PaymentRefunded, (r) => `Payment refunded: ${r.refundedAmount}`, (o: OrderSagaInputV1, r) => refundMismatch(o, r.refundedAmount)),
  },
};

const scheduleShipping: Step<OrderSagaInputV2> = {
  name: 'ScheduleShipping',
  command: send(order.ScheduleShipping, (o: OrderSagaInputV2) => ({ orderId: o.orderId, items: o.items, address: o.shippingAddress! })),
  succeeded: reply(shipping.ShipmentScheduled, (r) => `Shipment scheduled with ${r.carrier}: ${r.trackingNumber}`),
  failed: refusal(shipping.ShipmentSchedulingFailed),
  compensation: {
    name: 'CancelShipment',
    command: send(order.CancelShipment, (o: OrderSagaInputV2) => ({ orderId: o.orderId })),
    done: reply(shipping.ShipmentCancelled, () => 'Shipment cancelled'),
  },
  // Loose on purpose: a migrated version-1 saga has no shippingAddress at all, and ships nothing.
  when: { applies: (o) => o.shippingAddress != null, otherwise: 'No shipping address (digital goods): nothing to ship' },
};

const outcomes = {
  completed: send(order.OrderCompleted, (o: OrderSagaInputV1) => ({ orderId: o.orderId, userId: o.userId, totalAmount: o.totalAmount })),
  failed: send(order.OrderFailed, (o: OrderSagaInputV1 & { failureReason: string }) => ({ orderId: o.orderId, userId: o.userId, reason: o.failureReason })),
};

/** Version 1: validate, reserve, charge. */
export const orderSagaV1: SagaDefinition<OrderSagaInputV1> = checkDefinition({
  name: 'orderSaga',
  steps: [validateInventory, reserveInventory, processPayment],
  ...outcomes,
});

/** Version 2: validate, reserve, charge, then ship orders that have an address. */
export const orderSagaV2: SagaDefinition<OrderSagaInputV2> = checkDefinition({
  name: 'orderSaga',
  steps: [validateInventory, reserveInventory, processPayment, scheduleShipping],
  ...outcomes,
});
