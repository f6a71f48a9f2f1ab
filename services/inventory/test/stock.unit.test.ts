import { decideStock, mergeLines, type ProductStock } from '../src/domain/stock';

const laptop: ProductStock = { id: '20000000-0000-4000-8000-000000000002', name: 'Laptop', stock: 3 };
const mouse: ProductStock = { id: '10000000-0000-4000-8000-000000000001', name: 'Mouse', stock: 10 };
const catalog = new Map([laptop, mouse].map((p) => [p.id, p]));

describe('stock decisions', () => {
  it('serves every line from free stock, merged per product and sorted by id', () => {
    const decision = decideStock(
      [
        { productId: laptop.id, quantity: 1 },
        { productId: mouse.id, quantity: 2 },
        { productId: laptop.id, quantity: 2 },
      ],
      catalog,
    );
    expect(decision).toEqual({
      ok: true,
      lines: [
        { productId: mouse.id, quantity: 2 },
        { productId: laptop.id, quantity: 3 },
      ],
    });
  });

  it('refuses the whole order when one line is short, naming the product and the numbers', () => {
    const decision = decideStock([{ productId: mouse.id, quantity: 1 }, { productId: laptop.id, quantity: 4 }], catalog);
    expect(decision).toEqual({ ok: false, code: 'insufficient_stock', reason: `Insufficient stock for Laptop (${laptop.id}): 3 available, 4 requested` });
  });

  it('refuses an unknown product by its id', () => {
    const unknown = '30000000-0000-4000-8000-000000000003';
    expect(decideStock([{ productId: unknown, quantity: 1 }], catalog)).toEqual({ ok: false, code: 'unknown_product', reason: `Unknown product: ${unknown}` });
  });

  it('merges repeated products', () => {
    expect(mergeLines([{ productId: 'b', quantity: 1 }, { productId: 'a', quantity: 1 }, { productId: 'b', quantity: 2 }])).toEqual([
      { productId: 'a', quantity: 1 },
      { productId: 'b', quantity: 3 },
    ]);
  });
});
