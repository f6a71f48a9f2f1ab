import { eq } from 'drizzle-orm';
import { handler, message } from '@saga/shared';
import { billing, order } from '@saga/shared/contracts';
import { adjustBalance, paymentForOrder } from '../db/queries';
import { payments } from '../db/schema';

/** Compensation: gives a completed charge back. Refunding an order that was never charged is a success with 0.00. */
export const onRefundPayment = handler(order.RefundPayment, async ({ tx, body, send, runtime }) => {
  const payment = await paymentForOrder(tx, body.orderId, true);
  let refundedAmount = '0.00';
  if (payment?.status === 'Completed') {
    const now = runtime.now();
    await adjustBalance(tx, payment.userId, payment.amount, now);
    await tx.update(payments).set({ status: 'Refunded', updatedAt: now }).where(eq(payments.id, payment.id));
    refundedAmount = payment.amount;
  }
  await send(message(billing.PaymentRefunded, { orderId: body.orderId, refundedAmount }, { type: 'order', id: body.orderId }));
});
