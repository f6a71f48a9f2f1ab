import { eq, sql } from 'drizzle-orm';
import { preparedOn, type Executor } from '@saga/shared';
import { accounts, payments } from './schema';

// Every charge runs these, so each is prepared once per connection (see preparedOn).
const accountLock = preparedOn((db) =>
  db.select().from(accounts).where(eq(accounts.userId, sql.placeholder('userId'))).for('update').prepare('billing_account_lock'),
);
const balanceAdjust = preparedOn((db) =>
  db
    .update(accounts)
    .set({ balance: sql`${accounts.balance} + ${sql.placeholder('delta')}::numeric`, updatedAt: sql`${sql.placeholder('now')}` })
    .where(eq(accounts.userId, sql.placeholder('userId')))
    .prepare('billing_balance_adjust'),
);
const paymentLock = preparedOn((db) =>
  db.select().from(payments).where(eq(payments.orderId, sql.placeholder('orderId'))).for('update').prepare('billing_payment_lock'),
);

export async function lockAccount(db: Executor, userId: string) {
  const [account] = await accountLock(db).execute({ userId });
  return account;
}

/** Adds a signed amount (decimal string) to a balance in NUMERIC arithmetic. */
export async function adjustBalance(db: Executor, userId: string, delta: string, now: Date): Promise<void> {
  await balanceAdjust(db).execute({ userId, delta, now });
}

/** The order's payment, if any, row-locked to the end of the transaction. */
export async function lockPaymentOfOrder(db: Executor, orderId: string) {
  const [payment] = await paymentLock(db).execute({ orderId });
  return payment;
}
