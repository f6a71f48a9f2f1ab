import { eq } from 'drizzle-orm';
import type { Express } from 'express';
import { z } from 'zod';
import { validate, type ServiceDeps } from '@saga/shared';
import { payments } from '../db/schema';

const PaymentQuery = z.object({ orderId: z.uuid({ error: 'must be a uuid' }) });

export function paymentRoutes(app: Express, { database: { db } }: ServiceDeps): void {
  app.get('/api/payments', async (req, res) => {
    const { orderId } = validate(PaymentQuery, req.query, 'query');
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
