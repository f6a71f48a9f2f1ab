import { asc, eq } from 'drizzle-orm';
import type { Express } from 'express';
import { orderIdQuery, type ServiceDeps, validate } from '@saga/shared';
import { reservations } from '../db/schema';

export function reservationRoutes(app: Express, { database: { db } }: ServiceDeps): void {
  app.get('/api/reservations', async (req, res) => {
    const { orderId } = validate(orderIdQuery, req.query, 'query');
    const rows = await db
      .select()
      .from(reservations)
      .where(eq(reservations.orderId, orderId))
      .orderBy(asc(reservations.productId));
    res.json(
      rows.map((r) => ({
        id: r.id,
        orderId: r.orderId,
        productId: r.productId,
        quantity: r.quantity,
        status: r.status,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      })),
    );
  });
}
