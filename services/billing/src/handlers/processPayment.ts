import { handler, message } from '@saga/shared';
import { billing, order } from '@saga/shared/contracts';
import { adjustBalance, lockAccount, lockPaymentOfOrder } from '../db/queries';
import { payments } from '../db/schema';
import { decidePayment } from '../domain/payment';

/** Charges the order's amount if the account covers it; a refusal is recorded as a Failed payment and answered, not thrown. */
export const onProcessPayment = handler(
  order.ProcessPayment,
  async ({ tx, body, send, runtime }) => {
    const ref = { type: 'order', id: body.orderId };
    const existing = await lockPaymentOfOrder(tx, body.orderId);
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
    const account = await lockAccount(tx, body.userId);
    const decision = decidePayment(body.userId, account?.balance, body.amount);
    const now = runtime.now();
    const paymentId = runtime.newId();
    await tx.insert(payments).values({
      id: paymentId,
      orderId: body.orderId,
      userId: body.userId,
      amount: body.amount,
      status: decision.ok ? 'Completed' : 'Failed',
      reason: decision.ok ? null : decision.reason,
      createdAt: now,
      updatedAt: now,
    });
    if (!decision.ok) {
      await send(message(billing.PaymentFailed, { orderId: body.orderId, reason: decision.reason, code: decision.code }, ref));
      return;
    }
    await adjustBalance(tx, body.userId, `-${body.amount}`, now);
    await send(message(billing.PaymentProcessed, { orderId: body.orderId, paymentId, amount: body.amount }, ref));
  },
  { serializeBy: (body) => body.orderId }, // one at a time with a RefundPayment for the same order
);
