import type { SagaEvent } from '@saga/shared';
import { billing, inventory, shipping, type Contract } from '@saga/shared/contracts';
import type { OrderSagaInputV1, OrderSagaInputV2 } from '../src/domain/orderSaga.definition';
import { orderSagaVersions } from '../src/domain/orderSaga.versions';

// One order and one set of events for the order saga's unit tests, whatever the version.

export const AT = '2026-11-21T10:00:00.000Z';
export const ADDRESS = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

/** An order of two units for 2599.98, as a version-1 saga carries it. */
export const ORDER_V1: OrderSagaInputV1 = {
  orderId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  userId: '0b9d7c1e-2f44-4c8a-8e51-9a2c3d4e5f60',
  items: [{ productId: '2d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity: 2 }],
  totalAmount: '2599.98',
};
/** The same order on version 2: with nothing to ship, and shipped to London. */
export const DIGITAL_ORDER: OrderSagaInputV2 = { ...ORDER_V1, shippingAddress: null };
export const SHIPPED_ORDER: OrderSagaInputV2 = { ...ORDER_V1, shippingAddress: ADDRESS };

/** A reply about the order, as the order service's handler turns it into the machine's event. */
const replyEvent = (contract: Contract, body: object = {}): SagaEvent => orderSagaVersions().reply(2, contract)!.toEvent({ orderId: ORDER_V1.orderId, ...body }, AT);

/** Every reply any version of the order saga takes, and a passed step deadline. */
export const EVENTS = {
  InventoryValidated: replyEvent(inventory.InventoryValidated),
  InventoryValidationFailed: replyEvent(inventory.InventoryValidationFailed, { reason: 'Unknown product: 2d6f0a7b', code: 'unknown_product' }),
  InventoryReserved: replyEvent(inventory.InventoryReserved),
  InventoryReservationFailed: replyEvent(inventory.InventoryReservationFailed, { reason: 'Insufficient stock for Laptop', code: 'insufficient_stock' }),
  PaymentProcessed: replyEvent(billing.PaymentProcessed, { paymentId: ORDER_V1.userId, amount: '2599.98' }),
  PaymentFailed: replyEvent(billing.PaymentFailed, { reason: 'Insufficient funds: balance 10.00, needed 2599.98', code: 'insufficient_funds' }),
  InventoryReleased: replyEvent(inventory.InventoryReleased, { releasedQuantity: 2 }),
  PaymentRefunded: replyEvent(billing.PaymentRefunded, { refundedAmount: '2599.98' }),
  ShipmentScheduled: replyEvent(shipping.ShipmentScheduled, { shipmentId: ORDER_V1.userId, carrier: 'DHL', trackingNumber: 'DHL9A2C3D4E5F60' }),
  ShipmentSchedulingFailed: replyEvent(shipping.ShipmentSchedulingFailed, { reason: 'We do not ship to AQ', code: 'unsupported_destination' }),
  ShipmentCancelled: replyEvent(shipping.ShipmentCancelled),
  DeadlinePassed: { type: 'DeadlinePassed', at: AT, deadline: 'step', afterMs: 30_000 },
} satisfies Record<string, SagaEvent>;
export type EventName = keyof typeof EVENTS;
