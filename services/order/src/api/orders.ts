import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Express } from 'express';
import { z } from 'zod';
import { activeTraceHeaders, idParams, moneyInput, notFound, storableText, traceHeadersFrom, validate, type ServiceDeps } from '@saga/shared';
import { ShippingAddress } from '@saga/shared/contracts';
import { formatMoney, isMoneyString, MAX_CENTS } from '@saga/shared/money';
import { totalCents } from '../domain/order';
import { orderJson } from '../app/orderJson';
import { placeOrder } from '../app/placeOrder';
import { decodeCursor, encodeCursor } from './pageCursor';
import { orderSagas, orders } from '../db/schema';
import type { OrderSagas } from '../saga/orderSagas';
import type { SagaMetrics } from '../saga/sagaMetrics';

/** What forms send for "none" means none: a null address is no address, an empty second line no second line. */
const shippingAddressInput = z.preprocess((value) => {
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || (value as { line2?: unknown }).line2 !== '') return value;
  const { line2: _empty, ...rest } = value as Record<string, unknown>;
  return rest;
}, ShippingAddress.optional());

const PlaceOrderBody = z.object({
  userId: z.uuid({ error: 'must be a uuid' }),
  items: z
    .array(
      z.object({
        productId: z.uuid({ error: 'must be a uuid' }),
        productName: storableText(z.string().max(200)).optional(),
        quantity: z.number().int().min(1).max(1000),
        price: moneyInput,
      }),
    )
    .min(1)
    .max(100),
  shippingAddress: shippingAddressInput,
}).superRefine((body, ctx) => {
  // Runs even when an item failed its own checks (zod reports every issue): then the total is not computed.
  const wellFormed = body.items.every((item) => Number.isSafeInteger(item.quantity) && item.quantity >= 1 && typeof item.price === 'string' && isMoneyString(item.price));
  if (wellFormed && totalCents(body.items) > MAX_CENTS) {
    ctx.addIssue({ code: 'custom', path: ['items'], message: `the order total exceeds ${formatMoney(MAX_CENTS)}, the most an order can hold` });
  }
});

const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

const UserParams = z.object({ userId: z.uuid({ error: 'must be a uuid' }) });
const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

export function orderRoutes(app: Express, { database, runtime }: ServiceDeps, sagas: OrderSagas, metrics: SagaMetrics): void {
  const { db } = database;
  app.post('/api/orders', async (req, res) => {
    const body = validate(PlaceOrderBody, req.body, 'order');
    const rawKey = req.get('Idempotency-Key');
    const key = rawKey === undefined ? undefined : validate(IdempotencyKey, rawKey, 'header', 'Idempotency-Key');
    // The request's span; with tracing off here, the client's own trace context, passed on as messages' is.
    const trace = activeTraceHeaders() ?? traceHeadersFrom(req.get('traceparent'), req.get('tracestate'));
    const { order, replayed } = await placeOrder(database, body, key, runtime, sagas, trace);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    else metrics.sagaStarted();
    res.status(202).location(`/api/orders/${order.id}`).json(order);
  });

  app.get('/api/orders/user/:userId', async (req, res) => {
    const { userId } = validate(UserParams, req.params, 'path');
    const { limit, cursor } = validate(PageQuery, req.query, 'query');
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = await db
      .select()
      .from(orders)
      .where(
        and(
          eq(orders.userId, userId),
          after
            ? or(lt(orders.createdAt, after.createdAt), and(eq(orders.createdAt, after.createdAt), lt(orders.id, after.id)))
            : undefined,
        ),
      )
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    res.json({
      items: page.map(orderJson),
      nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
    });
  });

  app.get('/api/orders/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const [order] = await db.select().from(orders).where(eq(orders.id, id));
    if (!order) throw notFound(`Order ${id} does not exist`);
    res.json(orderJson(order));
  });

  app.get('/api/orders/:id/saga', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const [saga] = await db.select().from(orderSagas).where(eq(orderSagas.orderId, id));
    if (!saga) throw notFound(`Order ${id} does not exist`);
    res.json({
      id: saga.id,
      orderId: saga.orderId,
      definitionVersion: saga.definitionVersion,
      // On a version this build does not know, or its clock not yet resumed by one that knows it (README, "Parked sagas").
      parked: !saga.completedAt && (saga.parkedAt !== null || !sagas.versions.knows(saga.definitionVersion)),
      status: saga.status,
      currentStep: saga.currentStep,
      history: saga.history,
      createdAt: saga.createdAt.toISOString(),
      completedAt: saga.completedAt?.toISOString() ?? null,
    });
  });
}
