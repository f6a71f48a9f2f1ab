import { eq } from 'drizzle-orm';
import { handler, message } from '@saga/shared';
import { billing, order } from '@saga/shared/contracts';
import { adjustBalance, lockPaymentOfOrder } from '../db/queries';
import { payments } from '../db/schema';

/**
 * Compensation: gives a completed charge back. If no charge exists yet (the refund
 * overtook its ProcessPayment), a Failed payment is recorded for the order so the
 * late charge is refused. Either way the refund is a success.
 */
export const onRefundPayment = handler(
  order.RefundPayment,
  async ({ tx, body, send, runtime }) => {
    const payment = await lockPaymentOfOrder(tx, body.orderId);
    const now = runtime.now();
    let refundedAmount = '0.00';
    if (payment?.status === 'Completed') {
      await adjustBalance(tx, payment.userId, payment.amount, now);
      await tx.update(payments).set({ status: 'Refunded', updatedAt: now }).where(eq(payments.id, payment.id));
      refundedAmount = payment.amount;
    } else if (!payment) {
      await tx.insert(payments).values({
        id: runtime.newId(),
        orderId: body.orderId,
        userId: body.userId,
        amount: body.amount,
        status: 'Failed',
        reason: 'Cancelled before the charge arrived (refund came first); nothing charged',
        createdAt: now,
        updatedAt: now,
      });
    }
    await send(message(billing.PaymentRefunded, { orderId: body.orderId, refundedAmount }, { type: 'order', id: body.orderId }));
  },
  { serializeBy: (body) => body.orderId }, // one at a time with a ProcessPayment for the same order
);
