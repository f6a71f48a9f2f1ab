import { literal } from '@saga/shared';

// Statements the handlers send with BEGIN (reads) or COMMIT (writes), values inlined (ADR 10).

/** The order's payment, if any, row-locked to the end of the transaction. */
export function paymentOfOrderStatement(orderId: string): string {
  return `select id, user_id as "userId", amount, status, reason from payments where order_id = ${literal(orderId)} for update`;
}

export interface StoredPayment {
  id: string;
  userId: string;
  amount: string;
  status: 'Completed' | 'Failed' | 'Refunded';
  reason: string | null;
}

/** The user's balance, if the account exists, row-locked. */
export function accountStatement(userId: string): string {
  return `select balance from accounts where user_id = ${literal(userId)} for update`;
}

/** Adds a signed amount (decimal string) to a balance in NUMERIC arithmetic. */
export function adjustBalanceStatement(userId: string, delta: string, now: Date): string {
  return `update accounts set balance = balance + ${literal(delta)}::numeric, updated_at = ${literal(now)} where user_id = ${literal(userId)}`;
}

export function insertPaymentStatement(
  payment: { id: string; orderId: string; userId: string; amount: string; status: StoredPayment['status']; reason: string | null },
  now: Date,
): string {
  return `insert into payments (id, order_id, user_id, amount, status, reason, created_at, updated_at)
    values (${literal(payment.id)}, ${literal(payment.orderId)}, ${literal(payment.userId)}, ${literal(payment.amount)}::numeric,
      ${literal(payment.status)}, ${literal(payment.reason)}, ${literal(now)}, ${literal(now)})`;
}

export function refundedStatement(paymentId: string, now: Date): string {
  return `update payments set status = 'Refunded', updated_at = ${literal(now)} where id = ${literal(paymentId)}`;
}
