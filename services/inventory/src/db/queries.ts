import { assignFrom, insertRows, prepared, type Placeholders, type Statement } from '@saga/shared';
import { and, eq, sql } from 'drizzle-orm';
import type { InventoryWrite } from '../domain/decision';
import { products, releasedOrders, reservations } from './schema';

// Typed statements the handlers send with BEGIN (the loads) or COMMIT (the writes), prepared
// once per connection except inserts of more than four rows (ADR 13). A list of ids is one array parameter, so the
// text stays constant.

/** The order's tombstone, if its inventory was released (compensated). */
export const releasedMark = prepared('inventory_released_mark', (db, p: Placeholders<{ orderId: string }>) =>
  db.select({ orderId: releasedOrders.orderId }).from(releasedOrders).where(eq(releasedOrders.orderId, p.orderId)),
);

/** One of the order's reservations (any status), if it was ever reserved. */
export const anyReservation = prepared('inventory_any_reservation', (db, p: Placeholders<{ orderId: string }>) =>
  db.select({ id: reservations.id }).from(reservations).where(eq(reservations.orderId, p.orderId)).limit(1),
);

const stockColumns = { id: products.id, name: products.name, stock: products.stock };

/** The named products' free stock, in id order. */
export const productStock = prepared('inventory_product_stock', (db, p: Placeholders<{ ids: string[] }>) =>
  db.select(stockColumns).from(products).where(sql`${products.id} = any(${p.ids})`).orderBy(products.id),
);

/** The same, row-locked in id order so concurrent reservations cannot deadlock. */
export const lockedProductStock = prepared('inventory_locked_product_stock', (db, p: Placeholders<{ ids: string[] }>) =>
  db.select(stockColumns).from(products).where(sql`${products.id} = any(${p.ids})`).orderBy(products.id).for('update'),
);

/** The order's Reserved reservations, row-locked, in product order. */
export const activeReservations = prepared('inventory_active_reservations', (db, p: Placeholders<{ orderId: string }>) =>
  db
    .select({ id: reservations.id, productId: reservations.productId, quantity: reservations.quantity })
    .from(reservations)
    .where(and(eq(reservations.orderId, p.orderId), eq(reservations.status, 'Reserved')))
    .orderBy(reservations.productId)
    .for('update'),
);

/** Moves quantity between free stock and reserved: positive reserves, negative returns. */
const moveStock = prepared('inventory_move_stock', (db, p: Placeholders<{ productId: string; quantity: number; updatedAt: Date }>) =>
  db
    .update(products)
    .set({ stock: sql`${products.stock} - ${p.quantity}`, reserved: sql`${products.reserved} + ${p.quantity}`, ...assignFrom(products, ['updatedAt']) })
    .where(eq(products.id, p.productId)),
);

const insertReservations = insertRows('inventory_insert_reservations', reservations, [
  'id',
  'orderId',
  'productId',
  'quantity',
  'status',
  'createdAt',
  'updatedAt',
]);

const releaseReservations = prepared('inventory_release_reservations', (db, p: Placeholders<{ ids: string[]; updatedAt: Date }>) =>
  db
    .update(reservations)
    .set({ status: 'Released', ...assignFrom(reservations, ['updatedAt']) })
    .where(sql`${reservations.id} = any(${p.ids})`),
);

const markReleased = prepared('inventory_mark_released', (db, p: Placeholders<{ orderId: string; releasedAt: Date }>) =>
  db.insert(releasedOrders).values({ orderId: p.orderId, releasedAt: p.releasedAt }).onConflictDoNothing(),
);

/** The statement that writes one decided change, stamped `now`. */
function toStatement(write: InventoryWrite, now: Date): Statement {
  switch (write.type) {
    case 'stockReserved':
      return moveStock({ productId: write.productId, quantity: write.quantity, updatedAt: now });
    case 'stockReturned':
      return moveStock({ productId: write.productId, quantity: -write.quantity, updatedAt: now });
    case 'reservationsRecorded':
      return insertReservations(write.reservations.map((reservation) => ({ ...reservation, status: 'Reserved' as const, createdAt: now, updatedAt: now })));
    case 'reservationsReleased':
      return releaseReservations({ ids: [...write.reservationIds], updatedAt: now });
    case 'orderReleased':
      return markReleased({ orderId: write.orderId, releasedAt: now });
  }
}

/** The statements that write a decision's changes, in its order. */
export const inventoryStatements = (writes: readonly InventoryWrite[], now: Date): Statement[] => writes.map((write) => toStatement(write, now));
