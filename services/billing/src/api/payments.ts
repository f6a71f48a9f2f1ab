import { eq } from 'drizzle-orm';
import type { Express } from 'express';
import { orderIdQuery, type ServiceDeps, validate } from '@saga/shared';
import { payments } from '../db/schema';

export function paymentRoutes(app: Express, { database: { db } }: ServiceDeps): void {
  app.get('/api/payments', async (req, res) => {
    const { orderId } = validate(orderIdQuery, req.query, 'query');
    const rows = await db.select().from(payments).where(eq(payments.orderId, orderId));
    res.json(
      rows.map((p) => ({
        id: p.id,
        orderId: p.orderId,
        userId: p.userId,
        amount: p.amount,
        status: p.status,
        reason: p.reason,
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
      })),
    );
  });
}
