import { replyMismatch } from '../src/domain/replyChecks';
import type { OrderSagaContext } from '../src/domain/orderSaga.machine';

const context: OrderSagaContext = {
  orderId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  userId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
  items: [
    { productId: '2d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity: 2 },
    { productId: '3d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity: 1 },
  ],
  totalAmount: '30.00',
  compensations: [],
  history: [],
  failureReason: null,
};
const at = '2026-11-30T12:00:00.000Z';

describe('replies that cannot be about their saga', () => {
  it('a payment of the order total is accepted, written either way', () => {
    expect(replyMismatch(context, { type: 'PaymentProcessed', at, amount: '30.00' })).toBeUndefined();
    expect(replyMismatch(context, { type: 'PaymentProcessed', at, amount: '30' })).toBeUndefined();
  });

  it('a payment of any other amount is refused, a cent included', () => {
    expect(replyMismatch(context, { type: 'PaymentProcessed', at, amount: '0.01' })).toMatch(/payment of 0.01 for an order whose total is 30.00/);
    expect(replyMismatch(context, { type: 'PaymentProcessed', at, amount: '30.01' })).toBeDefined();
  });

  it('a refund is of nothing (it overtook the charge) or of the total, never of another amount', () => {
    expect(replyMismatch(context, { type: 'PaymentRefunded', at, refundedAmount: '0.00' })).toBeUndefined();
    expect(replyMismatch(context, { type: 'PaymentRefunded', at, refundedAmount: '30.00' })).toBeUndefined();
    expect(replyMismatch(context, { type: 'PaymentRefunded', at, refundedAmount: '15.00' })).toBeDefined();
  });

  it('a release of more units than the order holds is refused', () => {
    expect(replyMismatch(context, { type: 'InventoryReleased', at, releasedQuantity: 3 })).toBeUndefined();
    expect(replyMismatch(context, { type: 'InventoryReleased', at, releasedQuantity: 0 })).toBeUndefined();
    expect(replyMismatch(context, { type: 'InventoryReleased', at, releasedQuantity: 4 })).toMatch(/4 units for an order of 3/);
  });

  it('replies without amounts are not checked here', () => {
    expect(replyMismatch(context, { type: 'InventoryReserved', at })).toBeUndefined();
  });
});
