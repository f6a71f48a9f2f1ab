import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '@saga/shared';
import type { ProductStock } from '../domain/stock';
import { products, releasedOrders, reservations } from './schema';

/** Loads the named products; with `lock`, row-locks them in id order so concurrent reservations cannot deadlock. */
export async function loadProductStock(
  db: Executor,
  productIds: string[],
  lock: boolean,
): Promise<Map<string, ProductStock>> {
  const query = db
    .select({ id: products.id, name: products.name, stock: products.stock })
    .from(products)
    .where(inArray(products.id, productIds))
    .orderBy(products.id);
  const rows = lock ? await query.for('update') : await query;
  return new Map(rows.map((row) => [row.id, row]));
}

/** Moves quantity between free stock and reserved: positive reserves, negative releases. */
export async function moveStock(db: Executor, productId: string, quantity: number, now: Date): Promise<void> {
  await db
    .update(products)
    .set({
      stock: sql`${products.stock} - ${quantity}`,
      reserved: sql`${products.reserved} + ${quantity}`,
      updatedAt: now,
    })
    .where(eq(products.id, productId));
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
  const [row] = await db.select({ id: reservations.id }).from(reservations).where(eq(reservations.orderId, orderId)).limit(1);
  return row !== undefined;
}

/** Whether the order's inventory was released; locks that row (if any) so a racing release waits. */
export async function isReleased(db: Executor, orderId: string): Promise<boolean> {
  const [row] = await db.select().from(releasedOrders).where(eq(releasedOrders.orderId, orderId)).for('share');
  return row !== undefined;
}
