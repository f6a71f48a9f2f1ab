import { eq } from 'drizzle-orm';
import type { Express } from 'express';
import { z } from 'zod';
import { idParams, moneyInput, notFound, storableText, validate, type ServiceDeps } from '@saga/shared';
import { products } from '../db/schema';

const NewProduct = z.object({
  name: storableText(z.string().trim().min(1).max(200)),
  price: moneyInput,
  stock: z.number().int().min(0).max(1_000_000_000),
});
const StockUpdate = z.object({ stock: z.number().int().min(0).max(1_000_000_000) });

type ProductRow = typeof products.$inferSelect;
const toJson = (p: ProductRow) => ({ id: p.id, name: p.name, price: p.price, stock: p.stock, reserved: p.reserved });

export function productRoutes(app: Express, { database: { db }, runtime }: ServiceDeps): void {
  app.post('/api/products', async (req, res) => {
    const body = validate(NewProduct, req.body, 'product');
    const now = runtime.now();
    const [created] = await db
      .insert(products)
      .values({ id: runtime.newId(), ...body, reserved: 0, createdAt: now, updatedAt: now })
      .returning();
    res.status(201).location(`/api/products/${created!.id}`).json(toJson(created!));
  });

  app.get('/api/products/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const [product] = await db.select().from(products).where(eq(products.id, id));
    if (!product) throw notFound(`Product ${id} does not exist`);
    res.json(toJson(product));
  });

  /** Sets the free stock; what is reserved stays reserved. */
  app.put('/api/products/:id/stock', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const { stock } = validate(StockUpdate, req.body, 'stock update');
    const [product] = await db
      .update(products)
      .set({ stock, updatedAt: runtime.now() })
      .where(eq(products.id, id))
      .returning();
    if (!product) throw notFound(`Product ${id} does not exist`);
    res.json(toJson(product));
  });
}
