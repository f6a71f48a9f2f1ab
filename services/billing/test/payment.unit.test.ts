import { decidePayment } from '../src/domain/payment';

const user = '0b9d7c1e-2f44-4c8a-8e51-9a2c3d4e5f60';

describe('payment decisions', () => {
  it('charges when the balance covers the amount exactly', () => {
    expect(decidePayment(user, '1299.99', '1299.99')).toEqual({ ok: true });
  });

  it('refuses with the balance and the amount needed', () => {
    expect(decidePayment(user, '10', '1299.99')).toEqual({ ok: false, code: 'insufficient_funds', reason: 'Insufficient funds: balance 10.00, needed 1299.99' });
  });

  it('refuses a user without an account', () => {
    expect(decidePayment(user, undefined, '1.00')).toEqual({ ok: false, code: 'no_account', reason: `No account for user ${user}` });
  });
});
