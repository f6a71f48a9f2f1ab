import { assignFrom, insertRows, prepared, type Placeholders, type Statement } from '@saga/shared';
import { eq, sql } from 'drizzle-orm';
import type { BillingWrite } from '../domain/decision';
import { accounts, payments } from './schema';

// Typed statements the handlers send with BEGIN (the loads) or COMMIT (the writes), prepared
// once per connection (ADR 13). Money stays a decimal string, in NUMERIC arithmetic.

/** The order's payment, if any, row-locked to the end of the transaction. */
export const paymentOfOrder = prepared('billing_payment_of_order', (db, p: Placeholders<{ orderId: string }>) =>
  db
    .select({ id: payments.id, userId: payments.userId, amount: payments.amount, status: payments.status, reason: payments.reason })
    .from(payments)
    .where(eq(payments.orderId, p.orderId))
    .for('update'),
);

/** The user's balance, if the account exists, row-locked. */
export const accountOf = prepared('billing_account_of', (db, p: Placeholders<{ userId: string }>) =>
  db.select({ balance: accounts.balance }).from(accounts).where(eq(accounts.userId, p.userId)).for('update'),
);

/** Adds a signed amount (decimal string) to a balance in NUMERIC arithmetic. */
const adjustBalance = prepared('billing_adjust_balance', (db, p: Placeholders<{ userId: string; delta: string; updatedAt: Date }>) =>
  db
    .update(accounts)
    .set({ balance: sql`${accounts.balance} + ${p.delta}::numeric`, ...assignFrom(accounts, ['updatedAt']) })
    .where(eq(accounts.userId, p.userId)),
);

const insertPayment = insertRows('billing_insert_payment', payments, ['id', 'orderId', 'userId', 'amount', 'status', 'reason', 'createdAt', 'updatedAt'], 1);

const markRefunded = prepared('billing_mark_refunded', (db, p: Placeholders<{ paymentId: string; updatedAt: Date }>) =>
  db
    .update(payments)
    .set({ status: 'Refunded', ...assignFrom(payments, ['updatedAt']) })
    .where(eq(payments.id, p.paymentId)),
);

/** The statement that writes one decided change, stamped `now`. */
function toStatement(write: BillingWrite, now: Date): Statement {
  switch (write.type) {
    case 'paymentRecorded':
      return insertPayment([{ ...write.payment, createdAt: now, updatedAt: now }]);
    case 'accountDebited':
      return adjustBalance({ userId: write.userId, delta: `-${write.amount}`, updatedAt: now });
    case 'accountCredited':
      return adjustBalance({ userId: write.userId, delta: write.amount, updatedAt: now });
    case 'paymentRefunded':
      return markRefunded({ paymentId: write.paymentId, updatedAt: now });
  }
}

/** The statements that write a decision's changes, in its order. */
export const billingStatements = (writes: readonly BillingWrite[], now: Date): Statement[] => writes.map((write) => toStatement(write, now));
