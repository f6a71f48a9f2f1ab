import { billing, type BodyOf, type order, decided, type DecidedMessage, type Decision } from '@saga/shared/contracts';
import type { StoredPayment, BillingWrite } from './decision';

export type RefundPaymentCommand = BodyOf<typeof order.RefundPayment>;

export interface RefundState {
  /** The order's payment, if any. */
  payment: StoredPayment | undefined;
}

export type RefundReply = DecidedMessage<typeof billing.PaymentRefunded>;

/** The reason on the Failed payment a refund leaves when it overtook its charge. */
export const REFUND_BEFORE_CHARGE_REASON = 'Cancelled before the charge arrived (refund came first); nothing charged';

/**
 * Compensation: gives a completed charge back to the account it was charged to. If no
 * charge exists yet (the refund overtook its ProcessPayment), a Failed payment is recorded
 * for the order so the late charge is refused. A payment already Failed or Refunded is
 * left as it is. Either way the refund is a success, answering what was given back.
 * `newId` names the Failed payment of a refund before its charge.
 */
export function decideRefund(command: RefundPaymentCommand, state: RefundState, newId: () => string): Decision<BillingWrite, RefundReply> {
  const { orderId, userId, amount } = command;
  const { payment } = state;
  if (payment?.status === 'Completed') {
    return {
      writes: [
        { type: 'accountCredited', userId: payment.userId, amount: payment.amount },
        { type: 'paymentRefunded', paymentId: payment.id },
      ],
      reply: decided(billing.PaymentRefunded, { orderId, refundedAmount: payment.amount }),
    };
  }
  const nothing = decided(billing.PaymentRefunded, { orderId, refundedAmount: '0.00' });
  if (payment) return { writes: [], reply: nothing };
  return {
    writes: [{ type: 'paymentRecorded', payment: { id: newId(), orderId, userId, amount, status: 'Failed', reason: REFUND_BEFORE_CHARGE_REASON } }],
    reply: nothing,
  };
}
