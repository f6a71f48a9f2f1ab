import { eq } from 'drizzle-orm';
import { jsonLiteral, literal, message, outboxInsertStatement, outboxRows, transaction, unprocessable, type Database, type DatabaseHandle, type Runtime } from '@saga/shared';
import { order as orderContracts } from '@saga/shared/contracts';
import { idempotencyKeys } from '../db/schema';
import { fingerprint, totalAmount, type PlaceOrderRequest } from '../domain/order';
import { startOrderSaga } from '../saga/orderSagaStore';
import type { SagaTimeouts } from '../settings';
import { orderJson, type OrderJson, type OrderRow } from './orderJson';

export interface PlacedOrder {
  order: OrderJson;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

class KeyAlreadyUsed extends Error {}

function insertOrderStatement(order: OrderRow): string {
  return `insert into orders (id, user_id, status, items, total_amount, created_at, updated_at)
    values (${literal(order.id)}, ${literal(order.userId)}, ${literal(order.status)}, ${jsonLiteral(order.items)},
      ${literal(order.totalAmount)}::numeric, ${literal(order.createdAt)}, ${literal(order.updatedAt)})`;
}

/** Claims the key for this order; returns no row if another request holds it (waiting until that one ends). */
function claimKeyStatement(key: string, bodyFingerprint: string, answer: OrderJson, now: Date): string {
  return `insert into idempotency_keys (key, fingerprint, order_id, response, created_at)
    values (${literal(key)}, ${literal(bodyFingerprint)}, ${literal(answer.id)}, ${jsonLiteral(answer)}, ${literal(now)})
    on conflict do nothing returning key`;
}

/**
 * Accepts an order: in ONE transaction of two round trips, the order (Pending) and the
 * idempotency key with the answer (with BEGIN), then its saga row, the OrderCreated event
 * and the saga's first command (with COMMIT). Nothing is published here; the relay does
 * that after the commit.
 */
export async function placeOrder(
  { pool, db }: DatabaseHandle,
  request: PlaceOrderRequest,
  idempotencyKey: string | undefined,
  runtime: Runtime,
  timeouts: SagaTimeouts,
): Promise<PlacedOrder> {
  const bodyFingerprint = fingerprint(request);
  if (idempotencyKey) {
    const earlier = await replay(db, idempotencyKey, bodyFingerprint);
    if (earlier) return earlier;
  }
  try {
    const now = runtime.now();
    const created: OrderRow = {
      id: runtime.newId(),
      userId: request.userId,
      status: 'Pending',
      items: request.items,
      totalAmount: totalAmount(request.items),
      createdAt: now,
      updatedAt: now,
    };
    const answer = orderJson(created);
    const opening = [insertOrderStatement(created), ...(idempotencyKey ? [claimKeyStatement(idempotencyKey, bodyFingerprint, answer, now)] : [])];
    return await transaction(pool, opening.join('; '), async (opened) => {
      if (idempotencyKey && opened[1]?.rowCount === 0) throw new KeyAlreadyUsed();
      const saga = startOrderSaga(
        { orderId: created.id, userId: created.userId, items: created.items.map(({ productId, quantity }) => ({ productId, quantity })), totalAmount: created.totalAmount },
        runtime,
        timeouts,
      );
      const ref = { type: 'order', id: created.id };
      const events = outboxRows({ source: 'order', correlationId: created.id, causationId: null, conversationId: created.id, runtime }, [
        message(
          orderContracts.OrderCreated,
          { orderId: created.id, userId: created.userId, items: created.items, totalAmount: created.totalAmount },
          ref,
        ),
        ...saga.messages,
      ]);
      return { value: { order: answer, replayed: false }, closing: [saga.statement, outboxInsertStatement(events)].join('; ') };
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
