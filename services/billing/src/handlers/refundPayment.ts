import { handler, message } from '@saga/shared';
import { billing, order } from '@saga/shared/contracts';
import { adjustBalanceStatement, insertPaymentStatement, paymentOfOrderStatement, refundedStatement, type StoredPayment } from '../db/queries';

/**
 * Compensation: gives a completed charge back. If no charge exists yet (the refund
 * overtook its ProcessPayment), a Failed payment is recorded for the order so the
 * late charge is refused. Either way the refund is a success. Two round trips: the
 * payment is read and locked with BEGIN, the changes written with COMMIT.
 */
export const onRefundPayment = handler(
  order.RefundPayment,
  async ({ body, loaded, defer, send, runtime }) => {
    const [payment] = (loaded[0] ?? []) as unknown as StoredPayment[];
    const now = runtime.now();
    let refundedAmount = '0.00';
    if (payment?.status === 'Completed') {
      defer(adjustBalanceStatement(payment.userId, payment.amount, now), refundedStatement(payment.id, now));
      refundedAmount = payment.amount;
    } else if (!payment) {
      const reason = 'Cancelled before the charge arrived (refund came first); nothing charged';
      defer(insertPaymentStatement({ id: runtime.newId(), orderId: body.orderId, userId: body.userId, amount: body.amount, status: 'Failed', reason }, now));
    }
    await send(message(billing.PaymentRefunded, { orderId: body.orderId, refundedAmount }, { type: 'order', id: body.orderId }));
  },
  {
    serializeBy: (body) => body.orderId, // one at a time with a ProcessPayment for the same order
    load: (body) => [paymentOfOrderStatement(body.orderId)],
  },
);
