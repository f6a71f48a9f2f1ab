import { sql } from 'drizzle-orm';
import { check, index, integer, numeric, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

/** `stock` is free stock; a reservation moves quantity from stock to reserved, a release moves it back. */
export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    price: numeric('price', { precision: 18, scale: 2 }).notNull(),
    stock: integer('stock').notNull(),
    reserved: integer('reserved').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    check('products_stock_non_negative', sql`${table.stock} >= 0`),
    check('products_reserved_non_negative', sql`${table.reserved} >= 0`),
  ],
);

export const reservations = pgTable(
  'reservations',
  {
    id: uuid('id').primaryKey(),
    orderId: uuid('order_id').notNull(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: ['Reserved', 'Released'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    unique('reservations_order_product').on(table.orderId, table.productId),
    index('reservations_order_idx').on(table.orderId),
  ],
);

/**
 * Orders whose inventory was released (compensated). A ReserveInventory that arrives
 * after its ReleaseInventory (it was late, or retried) finds its order here and is refused.
 */
export const releasedOrders = pgTable('released_orders', {
  orderId: uuid('order_id').primaryKey(),
  releasedAt: timestamp('released_at', { withTimezone: true, mode: 'date' }).notNull(),
});
