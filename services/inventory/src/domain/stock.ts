import type { StockLine } from '@saga/shared/contracts';

export interface ProductStock {
  id: string;
  name: string;
  stock: number;
}

export type StockDecision =
  | { ok: true; lines: StockLine[] }
  | { ok: false; reason: string; code: 'unknown_product' | 'insufficient_stock' };

/** Products by id. */
export function catalog(products: readonly ProductStock[]): Map<string, ProductStock> {
  return new Map(products.map((product) => [product.id, product]));
}

/** Sums lines that name the same product, sorted by product id (the order rows are locked in). */
export function mergeLines(lines: readonly StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.productId, (totals.get(line.productId) ?? 0) + line.quantity);
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([productId, quantity]) => ({ productId, quantity }));
}

/** Decides whether every line can be served from free stock: all or nothing. */
export function decideStock(lines: readonly StockLine[], products: ReadonlyMap<string, ProductStock>): StockDecision {
  const merged = mergeLines(lines);
  const unknown = merged.filter((line) => !products.has(line.productId)).map((line) => line.productId);
  if (unknown.length > 0) {
    return { ok: false, code: 'unknown_product', reason: `Unknown product${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` };
  }
  const short = merged.flatMap((line) => {
    const product = products.get(line.productId)!;
    return product.stock < line.quantity
      ? [`${product.name} (${product.id}): ${product.stock} available, ${line.quantity} requested`]
      : [];
  });
  if (short.length > 0) return { ok: false, code: 'insufficient_stock', reason: `Insufficient stock for ${short.join('; ')}` };
  return { ok: true, lines: merged };
}
