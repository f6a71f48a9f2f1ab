import { eq, sql } from 'drizzle-orm';
import { drizzleOn, message, preparedOn, outboxInsertStatement, outboxRows, transaction, unprocessable, type Database, type DatabaseHandle, type Runtime } from '@saga/shared';
import { order as orderContracts } from '@saga/shared/contracts';
import { idempotencyKeys, orders } from '../db/schema';
import { fingerprint, totalAmount, type PlaceOrderRequest } from '../domain/order';
import { startOrderSaga } from '../saga/orderSagaStore';
import type { SagaTimeouts } from '../settings';
import { orderJson, type OrderJson } from './orderJson';

export interface PlacedOrder {
  order: OrderJson;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

class KeyAlreadyUsed extends Error {}

const insertOrder = preparedOn((db) =>
  db
    .insert(orders)
    .values({
      id: sql.placeholder('id'),
      userId: sql.placeholder('userId'),
      status: 'Pending',
      items: sql.placeholder('items'),
      totalAmount: sql.placeholder('totalAmount'),
      createdAt: sql.placeholder('now'),
      updatedAt: sql.placeholder('now'),
    })
    .returning()
    .prepare('order_insert'),
);

/**
 * Accepts an order: in ONE transaction the order (Pending), its saga row, the
 * OrderCreated event and the saga's first command (written with the COMMIT), and the
 * idempotency key with the answer. Nothing is published here; the relay does that after the commit.
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
    return await transaction(pool, '', async (_, client) => {
      const tx = drizzleOn(client);
      const now = runtime.now();
      const [order] = await insertOrder(tx).execute({
        id: runtime.newId(),
        userId: request.userId,
        items: request.items,
        totalAmount: totalAmount(request.items),
        now,
      });
      const created = order!;
      const answer = orderJson(created);
      if (idempotencyKey) {
        // A racing request with the same key waits here until the first commits, then finds the key taken.
        const claimed = await tx
          .insert(idempotencyKeys)
          .values({ key: idempotencyKey, fingerprint: bodyFingerprint, orderId: created.id, response: answer, createdAt: now })
          .onConflictDoNothing()
          .returning({ key: idempotencyKeys.key });
        if (claimed.length === 0) throw new KeyAlreadyUsed();
      }
      const sagaMessages = await startOrderSaga(
        tx,
        {
          orderId: created.id,
          userId: created.userId,
          items: created.items.map(({ productId, quantity }) => ({ productId, quantity })),
          totalAmount: created.totalAmount,
        },
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
        ...sagaMessages,
      ]);
      return { value: { order: answer, replayed: false }, closing: outboxInsertStatement(events) };
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
