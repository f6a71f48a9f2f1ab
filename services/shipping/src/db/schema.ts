import type { ShippingAddress, StockLine } from '@saga/shared/contracts';
import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * One shipment per order: Scheduled (handed to a carrier), Refused (a destination not served)
 * or Cancelled (compensated; without carrier and address when the cancel came first, as the
 * tombstone that refuses the late ScheduleShipping).
 */
export const shipments = pgTable('shipments', {
  id: uuid('id').primaryKey(),
  orderId: uuid('order_id').notNull().unique('shipments_order_id'),
  status: text('status', { enum: ['Scheduled', 'Cancelled', 'Refused'] }).notNull(),
  carrier: text('carrier'),
  trackingNumber: text('tracking_number'),
  address: jsonb('address').$type<ShippingAddress>(),
  items: jsonb('items').$type<StockLine[]>(),
  reason: text('reason'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});
