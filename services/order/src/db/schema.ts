import { sql } from 'drizzle-orm';
import { index, integer, jsonb, numeric, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { OrderItem } from '../domain/order';
import type { HistoryEntry } from '@saga/shared';
import type { ShippingAddress } from '@saga/shared/contracts';

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    status: text('status', { enum: ['Pending', 'Completed', 'Failed'] }).notNull(),
    items: jsonb('items').$type<OrderItem[]>().notNull(),
    /** Where to ship it; null for an order with nothing to ship. */
    shippingAddress: jsonb('shipping_address').$type<ShippingAddress>(),
    totalAmount: numeric('total_amount', { precision: 18, scale: 2 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [index('orders_user_created_idx').on(table.userId, table.createdAt.desc(), table.id.desc())],
);

/** One saga instance per order: its machine snapshot and the columns the API and operators read. */
export const orderSagas = pgTable(
  'order_sagas',
  {
    id: uuid('id').primaryKey(),
    orderId: uuid('order_id')
      .notNull()
      .unique('order_sagas_order_id')
      .references(() => orders.id),
    /** The version of the saga definition its snapshot is on (rows from before versions existed are version 1). */
    definitionVersion: integer('definition_version').notNull().default(1),
    status: text('status').notNull(),
    currentStep: text('current_step').notNull(),
    history: jsonb('history').$type<HistoryEntry[]>().notNull(),
    snapshot: jsonb('snapshot').notNull(),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    /** When the step (or compensation) under way times out; null once the saga has ended. */
    stepDeadlineAt: timestamp('step_deadline_at', { withTimezone: true, mode: 'date' }),
    /** When the whole saga times out; null once it is compensating or has ended. */
    deadlineAt: timestamp('deadline_at', { withTimezone: true, mode: 'date' }),
    /** Since when its deadlines are paused: its version is unknown to a build that ran meanwhile (README, "Parked sagas"). */
    parkedAt: timestamp('parked_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    index('order_sagas_status_idx').on(table.status),
    index('order_sagas_step_deadline_idx').on(table.stepDeadlineAt).where(sql`${table.stepDeadlineAt} is not null`),
    index('order_sagas_deadline_idx').on(table.deadlineAt).where(sql`${table.deadlineAt} is not null`),
    // Scrape-time gauges (in flight by state, oldest in flight) read only unfinished sagas.
    index('order_sagas_in_flight_idx').on(table.createdAt).where(sql`${table.completedAt} is null`),
    index('order_sagas_parked_idx').on(table.parkedAt).where(sql`${table.parkedAt} is not null`),
  ],
);

/** Idempotency-Key of POST /api/orders: the body's fingerprint and the answer, stored with the order. */
export const idempotencyKeys = pgTable('idempotency_keys', {
  key: text('key').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  orderId: uuid('order_id')
    .notNull()
    .references(() => orders.id),
  response: jsonb('response').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});
