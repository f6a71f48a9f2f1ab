import { billingStatements } from '../src/db/queries';

describe('writing billing decisions', () => {
  it('given a decision, its writes become one prepared statement each, in the decided order', () => {
    const statements = billingStatements(
      [
        { type: 'paymentRecorded', payment: { id: 'p', orderId: 'o', userId: 'u', amount: '1.00', status: 'Completed', reason: null } },
        { type: 'accountDebited', userId: 'u', amount: '1.00' },
        { type: 'accountCredited', userId: 'u', amount: '1.00' },
        { type: 'paymentRefunded', paymentId: 'p' },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(statements.map((statement) => statement.label)).toEqual([
      'billing_insert_payment_1',
      'billing_adjust_balance',
      'billing_adjust_balance',
      'billing_mark_refunded',
    ]);
  });
});
