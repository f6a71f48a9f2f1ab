import { sql } from 'drizzle-orm';
import { check, index, numeric, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const accounts = pgTable(
  'accounts',
  {
    userId: uuid('user_id').primaryKey(),
    balance: numeric('balance', { precision: 18, scale: 2 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [check('accounts_balance_non_negative', sql`${table.balance} >= 0`)],
);

/** One payment per order: Completed (charged), Failed (refused, nothing charged) or Refunded. */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey(),
    orderId: uuid('order_id').notNull().unique('payments_order_id'),
    userId: uuid('user_id').notNull(),
    amount: numeric('amount', { precision: 18, scale: 2 }).notNull(),
    status: text('status', { enum: ['Completed', 'Failed', 'Refunded'] }).notNull(),
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [index('payments_user_idx').on(table.userId)],
);
