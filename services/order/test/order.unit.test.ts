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

describe('the fingerprint of an order with a shipping address', () => {
  const base = { userId: '0b9d7c1e-2f44-4c8a-8e51-9a2c3d4e5f60', items: [{ productId: '2d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity: 1, price: '5.00' }] };
  const address = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

  it('differs with the address, so an Idempotency-Key reused for another destination is refused', () => {
    expect(fingerprint({ ...base, shippingAddress: address })).not.toBe(fingerprint(base));
    expect(fingerprint({ ...base, shippingAddress: address })).not.toBe(fingerprint({ ...base, shippingAddress: { ...address, country: 'DE' } }));
    expect(fingerprint({ ...base, shippingAddress: address })).not.toBe(fingerprint({ ...base, shippingAddress: { ...address, line2: 'Flat 3' } }));
  });

  it('is the same for the same address whatever the order of its fields', () => {
    const reordered = { country: 'GB', postalCode: 'SW1Y 4JH', city: 'London', line1: '12 St James Square', name: 'Ada Lovelace' };
    expect(fingerprint({ ...base, shippingAddress: reordered })).toBe(fingerprint({ ...base, shippingAddress: address }));
  });
});
