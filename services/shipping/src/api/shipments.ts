import { eq } from 'drizzle-orm';
import type { Express } from 'express';
import { idParams, notFound, orderIdQuery, type ServiceDeps, validate } from '@saga/shared';
import { shipments } from '../db/schema';

type ShipmentRow = typeof shipments.$inferSelect;
const toJson = (s: ShipmentRow) => ({
  id: s.id,
  orderId: s.orderId,
  status: s.status,
  carrier: s.carrier,
  trackingNumber: s.trackingNumber,
  address: s.address,
  reason: s.reason,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

export function shipmentRoutes(app: Express, { database: { db } }: ServiceDeps): void {
  app.get('/api/shipments', async (req, res) => {
    const { orderId } = validate(orderIdQuery, req.query, 'query');
    const rows = await db.select().from(shipments).where(eq(shipments.orderId, orderId));
    res.json(rows.map(toJson));
  });

  app.get('/api/shipments/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const [shipment] = await db.select().from(shipments).where(eq(shipments.id, id));
    if (!shipment) throw notFound(`Shipment ${id} does not exist`);
    res.json(toJson(shipment));
  });
}
