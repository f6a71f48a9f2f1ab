import { eq } from 'drizzle-orm';
import { badRequest, insertRows, message, outboxRows, outboxStatements, prepared, transaction, unprocessable, type Database, type DatabaseHandle, type Placeholders, type Runtime, type SagaVersions, type TraceHeaders } from '@saga/shared';
import { order as orderContracts } from '@saga/shared/contracts';
import { idempotencyKeys, orders } from '../db/schema';
import { fingerprint, totalAmount, type PlaceOrderRequest } from '../domain/order';
import type { OrderSagaInput } from '../domain/orderSaga.definition';
import { shipsOrders } from '../domain/orderSaga.versions';
import { orderSendContext, startOrderSaga } from '../saga/orderSagaStore';
import type { SagaTimeouts } from '../settings';
import { orderJson, type OrderJson, type OrderRow } from './orderJson';

export interface PlacedOrder {
  order: OrderJson;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

class KeyAlreadyUsed extends Error {}

const insertOrder = insertRows('order_insert_order', orders, ['id', 'userId', 'status', 'items', 'shippingAddress', 'totalAmount', 'createdAt', 'updatedAt'], 1);

/** Claims the key for this order; yields no row if another request holds it (waiting until that one ends). */
const claimKey = prepared('order_claim_idempotency_key', (db, p: Placeholders<typeof idempotencyKeys.$inferInsert>) =>
  db
    .insert(idempotencyKeys)
    .values({ key: p.key, fingerprint: p.fingerprint, orderId: p.orderId, response: p.response, createdAt: p.createdAt })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key }),
);

/**
 * Accepts an order: in ONE transaction of two round trips, the order (Pending) and the
 * idempotency key with the answer (with BEGIN), then its saga row (on the current version
 * of the definition), the OrderCreated event and the saga's first command (with COMMIT).
 * Nothing is published here; the relay does that after the commit. The saga row and the
 * messages continue `trace` (the request's), if there is one. An address is refused
 * while new orders start on a version that does not ship (a replay is still answered).
 */
export async function placeOrder(
  { pool, db }: DatabaseHandle,
  request: PlaceOrderRequest,
  idempotencyKey: string | undefined,
  runtime: Runtime,
  sagas: { versions: SagaVersions<OrderSagaInput>; timeouts: SagaTimeouts },
  trace?: TraceHeaders,
): Promise<PlacedOrder> {
  const bodyFingerprint = fingerprint(request);
  if (idempotencyKey) {
    const earlier = await replay(db, idempotencyKey, bodyFingerprint);
    if (earlier) return earlier;
  }
  if (request.shippingAddress && !shipsOrders(sagas.versions.current)) {
    throw badRequest('Invalid order: shippingAddress', [
      { field: 'shippingAddress', message: `new orders run saga version ${sagas.versions.current}, which does not ship: an order cannot have a shipping address` },
    ]);
  }
  try {
    const now = runtime.now();
    const created: OrderRow = {
      id: runtime.newId(),
      userId: request.userId,
      status: 'Pending',
      items: request.items,
      shippingAddress: request.shippingAddress ?? null,
      totalAmount: totalAmount(request.items),
      createdAt: now,
      updatedAt: now,
    };
    const answer = orderJson(created);
    const opening = {
      order: insertOrder([created]),
      ...(idempotencyKey ? { key: claimKey({ key: idempotencyKey, fingerprint: bodyFingerprint, orderId: answer.id, response: answer, createdAt: now }) } : {}),
    };
    return await transaction(pool, opening, (opened) => {
      if (opened.key?.length === 0) throw new KeyAlreadyUsed();
      const input = {
        orderId: created.id,
        userId: created.userId,
        items: created.items.map(({ productId, quantity }) => ({ productId, quantity })),
        totalAmount: created.totalAmount,
        shippingAddress: created.shippingAddress,
      };
      const saga = startOrderSaga(sagas.versions, input, runtime.newId(), now, sagas.timeouts, trace);
      const ref = { type: 'order', id: created.id };
      const events = outboxRows(orderSendContext(created.id, runtime, trace), [
        message(
          orderContracts.OrderCreated,
          // Not the address: OrderCreated goes to every service, and none needs it.
          { orderId: created.id, userId: created.userId, items: created.items, totalAmount: created.totalAmount },
          ref,
        ),
        ...saga.messages,
      ]);
      return { value: { order: answer, replayed: false }, closing: [...saga.statements, ...outboxStatements(events)] };
    });
  } catch (error) {
    if (!(error instanceof KeyAlreadyUsed) || !idempotencyKey) throw error;
    const earlier = await replay(db, idempotencyKey, bodyFingerprint);
    if (!earlier) throw error;
    return earlier;
  }
}

async function replay(db: Database, key: string, bodyFingerprint: string): Promise<PlacedOrder | undefined> {
  const [earlier] = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key));
  if (!earlier) return undefined;
  if (earlier.fingerprint !== bodyFingerprint) {
    throw unprocessable(`Idempotency-Key ${key} was already used with a different request body`);
  }
  return { order: earlier.response as OrderJson, replayed: true };
}
