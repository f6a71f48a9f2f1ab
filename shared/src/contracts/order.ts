import { z } from 'zod';
import { contract, MoneyString, OrderRef, ShippingAddress, StockLine } from './common';

// Produced by the order service: its own events, and the saga's commands to other services.

export const OrderItem = z.object({
  productId: z.uuid(),
  productName: z.string().optional(),
  quantity: z.number().int().min(1),
  price: MoneyString,
});

export const OrderCreated = contract(
  'domain.order.OrderCreated',
  z.object({ orderId: z.uuid(), userId: z.uuid(), items: z.array(OrderItem).min(1), totalAmount: MoneyString }),
);
export const OrderCompleted = contract(
  'domain.order.OrderCompleted',
  z.object({ orderId: z.uuid(), userId: z.uuid(), totalAmount: MoneyString }),
);
export const OrderFailed = contract(
  'domain.order.OrderFailed',
  z.object({ orderId: z.uuid(), userId: z.uuid(), reason: z.string() }),
);

export const ValidateInventory = contract(
  'domain.order.ValidateInventory',
  z.object({ orderId: z.uuid(), items: z.array(StockLine).min(1) }),
);
export const ReserveInventory = contract(
  'domain.order.ReserveInventory',
  z.object({ orderId: z.uuid(), items: z.array(StockLine).min(1) }),
);
export const ReleaseInventory = contract('domain.order.ReleaseInventory', OrderRef);
export const ProcessPayment = contract(
  'domain.order.ProcessPayment',
  z.object({ orderId: z.uuid(), userId: z.uuid(), amount: MoneyString }),
);
/** Compensation of ProcessPayment; carries the charge so billing can refuse a charge that arrives after it. */
export const RefundPayment = contract(
  'domain.order.RefundPayment',
  z.object({ orderId: z.uuid(), userId: z.uuid(), amount: MoneyString }),
);
/** Saga version 2: ship the order's items to its address. */
export const ScheduleShipping = contract(
  'domain.order.ScheduleShipping',
  z.object({ orderId: z.uuid(), items: z.array(StockLine).min(1), address: ShippingAddress }),
);
/** Compensation of ScheduleShipping; shipping refuses a ScheduleShipping that arrives after it. */
export const CancelShipment = contract('domain.order.CancelShipment', OrderRef);
