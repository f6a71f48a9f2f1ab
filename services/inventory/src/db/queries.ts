import { and, asc, eq, sql } from 'drizzle-orm';
import { preparedOn, type Executor } from '@saga/shared';
import type { ProductStock } from '../domain/stock';
import { products, releasedOrders, reservations } from './schema';

// Every saga runs these, so each is prepared once per connection (see preparedOn).
const stockOf = (db: Executor) =>
  db
    .select({ id: products.id, name: products.name, stock: products.stock })
    .from(products)
    .where(sql`${products.id} = any(${sql.placeholder('ids')})`)
    .orderBy(asc(products.id));
const readStock = preparedOn((db) => stockOf(db).prepare('inventory_stock_read'));
const lockStock = preparedOn((db) => stockOf(db).for('update').prepare('inventory_stock_lock'));
const moveStockBy = preparedOn((db) =>
  db
    .update(products)
    .set({
      stock: sql`${products.stock} - ${sql.placeholder('quantity')}`,
      reserved: sql`${products.reserved} + ${sql.placeholder('quantity')}`,
      updatedAt: sql`${sql.placeholder('now')}`,
    })
    .where(eq(products.id, sql.placeholder('productId')))
    .prepare('inventory_stock_move'),
);
const firstReservation = preparedOn((db) =>
  db
    .select({ id: reservations.id })
    .from(reservations)
    .where(eq(reservations.orderId, sql.placeholder('orderId')))
    .limit(1)
    .prepare('inventory_reservation_first'),
);
const releasedOrder = preparedOn((db) =>
  db.select().from(releasedOrders).where(eq(releasedOrders.orderId, sql.placeholder('orderId'))).for('share').prepare('inventory_released_lock'),
);

/** Loads the named products; with `lock`, row-locks them in id order so concurrent reservations cannot deadlock. */
export async function loadProductStock(
  db: Executor,
  productIds: string[],
  lock: boolean,
): Promise<Map<string, ProductStock>> {
  const rows = await (lock ? lockStock : readStock)(db).execute({ ids: productIds });
  return new Map(rows.map((row) => [row.id, row]));
}

/** Moves quantity between free stock and reserved: positive reserves, negative releases. */
export async function moveStock(db: Executor, productId: string, quantity: number, now: Date): Promise<void> {
  await moveStockBy(db).execute({ productId, quantity, now });
}

export async function activeReservations(db: Executor, orderId: string, lock: boolean) {
  const query = db
    .select()
    .from(reservations)
    .where(and(eq(reservations.orderId, orderId), eq(reservations.status, 'Reserved')))
    .orderBy(reservations.productId);
  return lock ? query.for('update') : query;
}

export async function hasReservations(db: Executor, orderId: string): Promise<boolean> {
  const [row] = await firstReservation(db).execute({ orderId });
  return row !== undefined;
}

/** Whether the order's inventory was released; locks that row (if any) so a racing release waits. */
export async function isReleased(db: Executor, orderId: string): Promise<boolean> {
  const [row] = await releasedOrder(db).execute({ orderId });
  return row !== undefined;
}
