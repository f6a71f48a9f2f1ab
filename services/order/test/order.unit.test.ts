import { fingerprint, totalAmount } from '../src/domain/order';

const item = (price: string, quantity: number) => ({ productId: '2d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity, price });

describe('order totals', () => {
  it('adds prices times quantities without floating-point error', () => {
    expect(totalAmount([item('0.10', 1), item('0.20', 1)])).toBe('0.30');
    expect(totalAmount([item('1299.99', 3), item('0.01', 1000)])).toBe('3909.97');
  });
});

describe('request fingerprints', () => {
  it('are equal for equal bodies and differ when anything differs', () => {
    const a = { userId: 'u', items: [item('1.00', 1)] };
    expect(fingerprint(a)).toBe(fingerprint({ userId: 'u', items: [item('1.00', 1)] }));
    expect(fingerprint(a)).not.toBe(fingerprint({ userId: 'u', items: [item('1.00', 2)] }));
  });
});
