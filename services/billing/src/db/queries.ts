import { eq, sql } from 'drizzle-orm';
import type { Executor } from '@saga/shared';
import { accounts, payments } from './schema';

export async function lockAccount(db: Executor, userId: string) {
  const [account] = await db.select().from(accounts).where(eq(accounts.userId, userId)).for('update');
  return account;
}

/** Adds a signed amount (decimal string) to a balance in NUMERIC arithmetic. */
export async function adjustBalance(db: Executor, userId: string, delta: string, now: Date): Promise<void> {
  await db
    .update(accounts)
    .set({ balance: sql`${accounts.balance} + ${delta}::numeric`, updatedAt: now })
    .where(eq(accounts.userId, userId));
}

export async function paymentForOrder(db: Executor, orderId: string, lock: boolean) {
  const query = db.select().from(payments).where(eq(payments.orderId, orderId));
  const [payment] = lock ? await query.for('update') : await query;
  return payment;
}
