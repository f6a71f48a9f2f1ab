import { handler, message } from '@saga/shared';
import { billing, order } from '@saga/shared/contracts';
import { accountStatement, adjustBalanceStatement, insertPaymentStatement, paymentOfOrderStatement, type StoredPayment } from '../db/queries';
import { decidePayment } from '../domain/payment';

/**
 * Charges the order's amount if the account covers it; a refusal is recorded as a Failed
 * payment and answered, not thrown. Two round trips: the order's payment and the account
 * are read and locked with BEGIN (after the order's key lock), the payment and the
 * balance written with COMMIT.
 */
export const onProcessPayment = handler(
  order.ProcessPayment,
  async ({ body, loaded, defer, send, runtime }) => {
    const ref = { type: 'order', id: body.orderId };
    const [existing] = (loaded[0] ?? []) as unknown as StoredPayment[];
    if (existing) {
      // Decided before under another message id: repeat the answer, charge nothing.
      await send(
        existing.status === 'Completed'
          ? message(billing.PaymentProcessed, { orderId: body.orderId, paymentId: existing.id, amount: existing.amount }, ref)
          : message(
              billing.PaymentFailed,
              { orderId: body.orderId, reason: existing.reason ?? `Payment ${existing.status}`, code: 'payment_cancelled' },
              ref,
            ),
      );
      return;
    }
    const [account] = (loaded[1] ?? []) as Array<{ balance: string }>;
    const decision = decidePayment(body.userId, account?.balance, body.amount);
    const now = runtime.now();
    const paymentId = runtime.newId();
    const payment = { id: paymentId, orderId: body.orderId, userId: body.userId, amount: body.amount };
    if (!decision.ok) {
      defer(insertPaymentStatement({ ...payment, status: 'Failed', reason: decision.reason }, now));
      await send(message(billing.PaymentFailed, { orderId: body.orderId, reason: decision.reason, code: decision.code }, ref));
      return;
    }
    defer(insertPaymentStatement({ ...payment, status: 'Completed', reason: null }, now), adjustBalanceStatement(body.userId, `-${body.amount}`, now));
    await send(message(billing.PaymentProcessed, { orderId: body.orderId, paymentId, amount: body.amount }, ref));
  },
  {
    serializeBy: (body) => body.orderId, // one at a time with a RefundPayment for the same order
    load: (body) => [paymentOfOrderStatement(body.orderId), accountStatement(body.userId)],
  },
);
