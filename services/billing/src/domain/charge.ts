import { billing, type BodyOf, type order, decided, type DecidedMessage, type Decision } from '@saga/shared/contracts';
import type { StoredPayment, BillingWrite } from './decision';
import { decidePayment } from './payment';

export type ProcessPaymentCommand = BodyOf<typeof order.ProcessPayment>;

export interface ChargeState {
  /** The order's payment, if one was decided before (under another message id, or by a refund that came first). */
  payment: StoredPayment | undefined;
  /** The user's account, if it exists. */
  account: { balance: string } | undefined;
}

export type ChargeReply = DecidedMessage<typeof billing.PaymentProcessed> | DecidedMessage<typeof billing.PaymentFailed>;

/**
 * Charges the order's amount if the account covers it, debiting the account and recording
 * a Completed payment; a refusal is recorded as a Failed payment and answered. An order
 * whose payment exists is answered again from it (a Failed or Refunded one as
 * payment_cancelled) and nothing is charged. `newId` names the new payment.
 */
export function decideCharge(command: ProcessPaymentCommand, state: ChargeState, newId: () => string): Decision<BillingWrite, ChargeReply> {
  const { orderId, userId, amount } = command;
  const existing = state.payment;
  if (existing) {
    return {
      writes: [],
      reply:
        existing.status === 'Completed'
          ? decided(billing.PaymentProcessed, { orderId, paymentId: existing.id, amount: existing.amount })
          : decided(billing.PaymentFailed, { orderId, reason: existing.reason ?? `Payment ${existing.status}`, code: 'payment_cancelled' }),
    };
  }
  const decision = decidePayment(userId, state.account?.balance, amount);
  const payment = { id: newId(), orderId, userId, amount };
  if (!decision.ok) {
    return {
      writes: [{ type: 'paymentRecorded', payment: { ...payment, status: 'Failed', reason: decision.reason } }],
      reply: decided(billing.PaymentFailed, { orderId, reason: decision.reason, code: decision.code }),
    };
  }
  return {
    writes: [
      { type: 'paymentRecorded', payment: { ...payment, status: 'Completed', reason: null } },
      { type: 'accountDebited', userId, amount },
    ],
    reply: decided(billing.PaymentProcessed, { orderId, paymentId: payment.id, amount }),
  };
}
