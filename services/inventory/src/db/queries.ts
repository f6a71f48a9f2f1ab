import { literal } from '@saga/shared';
import type { ProductStock } from '../domain/stock';

// Statements the handlers send with BEGIN (reads) or COMMIT (writes), values inlined (ADR 10).

/** Whether the order's inventory was released (compensated), and whether it was reserved before. */
export function orderMarksStatement(orderId: string): string {
  return `select exists (select 1 from released_orders where order_id = ${literal(orderId)}) as released,
    exists (select 1 from reservations where order_id = ${literal(orderId)}) as reserved`;
}

/** The named products' free stock; with `lock`, row-locked in id order so concurrent reservations cannot deadlock. */
export function productStockStatement(productIds: readonly string[], lock: boolean): string {
  return `select id, name, stock from products where ${inList('id', productIds)} order by id${lock ? ' for update' : ''}`;
}

const inList = (column: string, values: readonly string[]) => (values.length === 0 ? 'false' : `${column} in (${values.map(literal).join(', ')})`);

/** The rows of `productStockStatement`, by product id. */
export function stockById(rows: ReadonlyArray<Record<string, unknown>>): Map<string, ProductStock> {
  return new Map(rows.map((row) => [row.id as string, row as unknown as ProductStock]));
}

/** The order's active reservations, row-locked, in product order. */
export function activeReservationsStatement(orderId: string): string {
  return `select id, product_id as "productId", quantity from reservations
    where order_id = ${literal(orderId)} and status = 'Reserved' order by product_id for update`;
}

export interface ActiveReservation {
  id: string;
  productId: string;
  quantity: number;
}

/** Moves quantity between free stock and reserved: positive reserves, negative releases. */
export function moveStockStatement(productId: string, quantity: number, now: Date): string {
  return `update products set stock = stock - ${literal(quantity)}, reserved = reserved + ${literal(quantity)},
    updated_at = ${literal(now)} where id = ${literal(productId)}`;
}

export function insertReservationsStatement(
  reservations: ReadonlyArray<{ id: string; orderId: string; productId: string; quantity: number }>,
  now: Date,
): string {
  const values = reservations.map(
    (r) => `(${literal(r.id)}, ${literal(r.orderId)}, ${literal(r.productId)}, ${literal(r.quantity)}, 'Reserved', ${literal(now)}, ${literal(now)})`,
  );
  return `insert into reservations (id, order_id, product_id, quantity, status, created_at, updated_at) values ${values.join(', ')}`;
}

export function releaseReservationsStatement(ids: readonly string[], now: Date): string {
  return `update reservations set status = 'Released', updated_at = ${literal(now)} where ${inList('id', ids)}`;
}

/** Remembers the order as released, so a reservation arriving later is refused. */
export function markReleasedStatement(orderId: string, now: Date): string {
  return `insert into released_orders (order_id, released_at) values (${literal(orderId)}, ${literal(now)}) on conflict do nothing`;
}
