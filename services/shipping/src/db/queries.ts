import { assignFrom, insertRows, prepared, type Placeholders, type Statement } from '@saga/shared';
import { eq } from 'drizzle-orm';
import type { ShippingWrite } from '../domain/decision';
import { shipments } from './schema';

// Typed statements the handlers send with BEGIN (the loads) or COMMIT (the writes), prepared
// once per connection (ADR 13). Address and items are encoded as jsonb by their columns.

/** The order's shipment, if any, row-locked to the end of the transaction. */
export const shipmentOfOrder = prepared('shipping_shipment_of_order', (db, p: Placeholders<{ orderId: string }>) =>
  db
    .select({ id: shipments.id, status: shipments.status, carrier: shipments.carrier, trackingNumber: shipments.trackingNumber, reason: shipments.reason })
    .from(shipments)
    .where(eq(shipments.orderId, p.orderId))
    .for('update'),
);

const insertShipment = insertRows(
  'shipping_insert_shipment',
  shipments,
  ['id', 'orderId', 'status', 'carrier', 'trackingNumber', 'address', 'items', 'reason', 'createdAt', 'updatedAt'],
  1,
);

const markCancelled = prepared('shipping_mark_cancelled', (db, p: Placeholders<{ shipmentId: string; updatedAt: Date }>) =>
  db
    .update(shipments)
    .set({ status: 'Cancelled', ...assignFrom(shipments, ['updatedAt']) })
    .where(eq(shipments.id, p.shipmentId)),
);

/** The statement that writes one decided change, stamped `now`. */
function toStatement(write: ShippingWrite, now: Date): Statement {
  switch (write.type) {
    case 'shipmentRecorded':
      return insertShipment([{ ...write.shipment, createdAt: now, updatedAt: now }]);
    case 'shipmentCancelled':
      return markCancelled({ shipmentId: write.shipmentId, updatedAt: now });
  }
}

/** The statements that write a decision's changes, in its order. */
export const shippingStatements = (writes: readonly ShippingWrite[], now: Date): Statement[] => writes.map((write) => toStatement(write, now));
