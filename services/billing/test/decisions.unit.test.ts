import { billing } from '@saga/shared/contracts';
import { decideCharge, type ChargeState } from '../src/domain/charge';
import type { StoredPayment } from '../src/domain/decision';
import { decideRefund, REFUND_BEFORE_CHARGE_REASON } from '../src/domain/refund';

const orderId = '0a000000-0000-4000-8000-00000000000a';
const userId = '0b9d7c1e-2f44-4c8a-8e51-9a2c3d4e5f60';
const paymentId = '0c000000-0000-4000-8000-00000000000c';
const newPaymentId = '0d000000-0000-4000-8000-00000000000d';
const command = { orderId, userId, amount: '1299.99' };

const newId = () => newPaymentId;
const noIds = () => {
  throw new Error('no id should be needed');
};
const stored = (status: StoredPayment['status'], reason: string | null = null): StoredPayment => ({ id: paymentId, userId, amount: '1299.99', status, reason });

describe('charging a payment', () => {
  const funded: ChargeState = { payment: undefined, account: { balance: '1299.99' } };

  it('given the balance covers the amount, when a charge arrives, it records a Completed payment, debits the account and answers processed', () => {
    expect(decideCharge(command, funded, newId)).toEqual({
      writes: [
        { type: 'paymentRecorded', payment: { id: newPaymentId, orderId, userId, amount: '1299.99', status: 'Completed', reason: null } },
        { type: 'accountDebited', userId, amount: '1299.99' },
      ],
      reply: { contract: billing.PaymentProcessed, body: { orderId, paymentId: newPaymentId, amount: '1299.99' } },
    });
  });

  it('given the user has no account, when a charge arrives, it records a Failed payment, charges nothing and answers no_account', () => {
    const reason = `No account for user ${userId}`;
    expect(decideCharge(command, { payment: undefined, account: undefined }, newId)).toEqual({
      writes: [{ type: 'paymentRecorded', payment: { id: newPaymentId, orderId, userId, amount: '1299.99', status: 'Failed', reason } }],
      reply: { contract: billing.PaymentFailed, body: { orderId, reason, code: 'no_account' } },
    });
  });

  it('given the balance is short, when a charge arrives, it records a Failed payment, charges nothing and answers insufficient_funds', () => {
    const reason = 'Insufficient funds: balance 1299.98, needed 1299.99';
    expect(decideCharge(command, { payment: undefined, account: { balance: '1299.98' } }, newId)).toEqual({
      writes: [{ type: 'paymentRecorded', payment: { id: newPaymentId, orderId, userId, amount: '1299.99', status: 'Failed', reason } }],
      reply: { contract: billing.PaymentFailed, body: { orderId, reason, code: 'insufficient_funds' } },
    });
  });

  it('given the order was charged before, when the charge arrives again, it answers the earlier payment and charges nothing', () => {
    expect(decideCharge(command, { ...funded, payment: stored('Completed') }, noIds)).toEqual({
      writes: [],
      reply: { contract: billing.PaymentProcessed, body: { orderId, paymentId, amount: '1299.99' } },
    });
  });

  it('given the charge was refused before, when it arrives again, it answers the earlier reason as payment_cancelled and charges nothing', () => {
    const reason = 'Insufficient funds: balance 10.00, needed 1299.99';
    expect(decideCharge(command, { ...funded, payment: stored('Failed', reason) }, noIds)).toEqual({
      writes: [],
      reply: { contract: billing.PaymentFailed, body: { orderId, reason, code: 'payment_cancelled' } },
    });
  });

  it('given a refund came first and left its Failed payment, when the late charge arrives, it is refused as payment_cancelled and nothing is charged', () => {
    expect(decideCharge(command, { ...funded, payment: stored('Failed', REFUND_BEFORE_CHARGE_REASON) }, noIds)).toEqual({
      writes: [],
      reply: { contract: billing.PaymentFailed, body: { orderId, reason: REFUND_BEFORE_CHARGE_REASON, code: 'payment_cancelled' } },
    });
  });

  it('given the payment was refunded, when the charge arrives again, it is refused as payment_cancelled and nothing is charged', () => {
    expect(decideCharge(command, { ...funded, payment: stored('Refunded') }, noIds)).toEqual({
      writes: [],
      reply: { contract: billing.PaymentFailed, body: { orderId, reason: 'Payment Refunded', code: 'payment_cancelled' } },
    });
  });
});

describe('refunding a payment', () => {
  it('given a completed charge, when a refund arrives, it credits the account charged, marks the payment refunded and answers the amount', () => {
    const charged = { ...stored('Completed'), userId: '0e000000-0000-4000-8000-00000000000e', amount: '12.50' };
    expect(decideRefund(command, { payment: charged }, noIds)).toEqual({
      writes: [
        { type: 'accountCredited', userId: charged.userId, amount: '12.50' },
        { type: 'paymentRefunded', paymentId },
      ],
      reply: { contract: billing.PaymentRefunded, body: { orderId, refundedAmount: '12.50' } },
    });
  });

  it('given no charge yet, when a refund arrives, it records a Failed payment for the order as a tombstone and answers 0.00', () => {
    expect(decideRefund(command, { payment: undefined }, newId)).toEqual({
      writes: [
        {
          type: 'paymentRecorded',
          payment: { id: newPaymentId, orderId, userId, amount: '1299.99', status: 'Failed', reason: 'Cancelled before the charge arrived (refund came first); nothing charged' },
        },
      ],
      reply: { contract: billing.PaymentRefunded, body: { orderId, refundedAmount: '0.00' } },
    });
  });

  it.each([['Refunded'], ['Failed']] as const)('given the payment is already %s, when a refund arrives, nothing changes and it answers 0.00', (status) => {
    expect(decideRefund(command, { payment: stored(status, status === 'Failed' ? 'Insufficient funds' : null) }, noIds)).toEqual({
      writes: [],
      reply: { contract: billing.PaymentRefunded, body: { orderId, refundedAmount: '0.00' } },
    });
  });
});
