import { sql } from 'drizzle-orm';
import { bigint, customType, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { LifecycleEvent } from '../domain/lifecycle';
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
    /** When the deadline sweeper first found it stuck and announced it (saga.stuck); null if it never was. */
    stuckAt: timestamp('stuck_at', { withTimezone: true, mode: 'date' }),
    /**
     * The W3C traceparent of the order's trace (the request that placed it), so work without an
     * incoming message (a deadline) continues it (docs/tracing.md); null when it had none.
     */
    traceContext: text('trace_context'),
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

/** A PostgreSQL transaction id (xid8), read as a decimal string. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * The saga journal: one row per committed change of a saga (its creation, each
 * transition, being found stuck), written in the change's own transaction. The event
 * streams (README, "Live events") read it; `version` orders one saga's rows, and
 * (txid, seq) orders all of them in a way a reader can resume without gaps (see
 * api/sagaEvents.ts).
 */
export const sagaEvents = pgTable(
  'saga_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    txid: xid8('txid').notNull().default(sql`pg_current_xact_id()`),
    orderId: uuid('order_id').notNull(),
    sagaId: uuid('saga_id').notNull(),
    /** The saga row's version after the change. */
    version: integer('version').notNull(),
    definitionVersion: integer('definition_version').notNull(),
    status: text('status').notNull(),
    currentStep: text('current_step').notNull(),
    orderStatus: text('order_status').notNull(),
    /** The history entries the change added. */
    entries: jsonb('entries').$type<HistoryEntry[]>().notNull(),
    lifecycle: jsonb('lifecycle').$type<LifecycleEvent[]>().notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [uniqueIndex('saga_events_order_version').on(table.orderId, table.version), index('saga_events_txid_seq_idx').on(table.txid, table.seq)],
);

/** Webhook subscribers (README, "Webhooks"): where to POST which lifecycle events, signed with `secret`. */
export const webhookSubscriptions = pgTable('webhook_subscriptions', {
  id: uuid('id').primaryKey(),
  url: text('url').notNull(),
  events: text('events').array().notNull(),
  /** whsec_<base64>, the Standard Webhooks secret format. */
  secret: text('secret').notNull(),
  /** The secret before the last rotation, still signed with (beside the new one) until `previousSecretExpiresAt`. */
  previousSecret: text('previous_secret'),
  previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Deleted subscribers get nothing more; their deliveries stay for the record. */
  deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
});

/**
 * The webhook outbox: one row per (lifecycle event, subscriber), written in the same
 * transaction as the saga change that raised it. `id` is the Standard Webhooks
 * `webhook-id`: every attempt of one delivery carries the same one.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id),
    /** The saga_events row that raised it. */
    eventSeq: bigint('event_seq', { mode: 'number' }).notNull(),
    eventType: text('event_type').notNull(),
    /** The body sent: { type, timestamp, data }. */
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When it is next due (also the lease of an attempt under way: see the dispatcher). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastError: text('last_error'),
    lastStatusCode: integer('last_status_code'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    index('webhook_deliveries_due_idx').on(table.nextAttemptAt).where(sql`${table.status} = 'pending'`),
    index('webhook_deliveries_subscription_idx').on(table.subscriptionId, table.createdAt.desc()),
  ],
);

/** Every attempt of a delivery: when, what came back, how long it took. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    attempt: integer('attempt').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (table) => [primaryKey({ columns: [table.deliveryId, table.attempt] })],
);
