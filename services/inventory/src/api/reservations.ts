import { asc, eq } from 'drizzle-orm';
import type { Express } from 'express';
import { z } from 'zod';
import { validate, type ServiceDeps } from '@saga/shared';
import { reservations } from '../db/schema';

const ReservationQuery = z.object({ orderId: z.uuid({ error: 'must be a uuid' }) });

export function reservationRoutes(app: Express, { database: { db } }: ServiceDeps): void {
  app.get('/api/reservations', async (req, res) => {
    const { orderId } = validate(ReservationQuery, req.query, 'query');
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
