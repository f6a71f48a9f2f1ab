import { z } from 'zod';
import { contract, OrderRef } from './common';

// Replies produced by the shipping service.

export const ShipmentScheduled = contract(
  'domain.shipping.ShipmentScheduled',
  OrderRef.extend({ shipmentId: z.uuid(), carrier: z.string().min(1).max(100), trackingNumber: z.string().min(1).max(100) }),
);
/** A business refusal: `reason` for people, `code` (snake_case, bounded) for machines and metrics. */
export const ShipmentSchedulingFailed = contract(
  'domain.shipping.ShipmentSchedulingFailed',
  OrderRef.extend({ reason: z.string().min(1).max(500), code: z.enum(['unsupported_destination', 'shipment_cancelled']).optional() }),
);
export const ShipmentCancelled = contract('domain.shipping.ShipmentCancelled', OrderRef);
