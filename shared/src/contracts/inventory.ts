import { z } from 'zod';
import { contract, OrderRef } from './common';

// Replies produced by the inventory service.

/** A business refusal: `reason` for people, `code` (snake_case, bounded) for machines and metrics. */
const Refusal = OrderRef.extend({ reason: z.string().min(1), code: z.enum(['unknown_product', 'insufficient_stock', 'order_released']).optional() });

export const InventoryValidated = contract('domain.inventory.InventoryValidated', OrderRef);
export const InventoryValidationFailed = contract('domain.inventory.InventoryValidationFailed', Refusal);
export const InventoryReserved = contract('domain.inventory.InventoryReserved', OrderRef);
export const InventoryReservationFailed = contract('domain.inventory.InventoryReservationFailed', Refusal);
export const InventoryReleased = contract(
  'domain.inventory.InventoryReleased',
  OrderRef.extend({ releasedQuantity: z.number().int().min(0) }),
);
