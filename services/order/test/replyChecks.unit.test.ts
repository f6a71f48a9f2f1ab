import { sagaReplies } from '@saga/shared';
import { billing, inventory, type Contract } from '@saga/shared/contracts';
import { orderSagaV1 as orderSaga, type OrderSagaInput } from '../src/domain/orderSaga.definition';

const order: OrderSagaInput = {
  orderId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  userId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
  items: [
    { productId: '2d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity: 2 },
    { productId: '3d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity: 1 },
  ],
  totalAmount: '30.00',
};

/** What the saga definition says of a reply with this body, as the reply handler asks it. */
const mismatch = (contract: Contract, body: object) => sagaReplies(orderSaga).find((reply) => reply.contract === contract)!.mismatch(order, { orderId: order.orderId, ...body });

describe('replies that cannot be about their saga', () => {
  it('a payment of the order total is accepted, written either way', () => {
    expect(mismatch(billing.PaymentProcessed, { amount: '30.00' })).toBeUndefined();
    expect(mismatch(billing.PaymentProcessed, { amount: '30' })).toBeUndefined();
  });

  it('a payment of any other amount is refused, a cent included', () => {
    expect(mismatch(billing.PaymentProcessed, { amount: '0.01' })).toMatch(/payment of 0.01 for an order whose total is 30.00/);
    expect(mismatch(billing.PaymentProcessed, { amount: '30.01' })).toBeDefined();
  });

  it('a refund is of nothing (it overtook the charge) or of the total, never of another amount', () => {
    expect(mismatch(billing.PaymentRefunded, { refundedAmount: '0.00' })).toBeUndefined();
    expect(mismatch(billing.PaymentRefunded, { refundedAmount: '30.00' })).toBeUndefined();
    expect(mismatch(billing.PaymentRefunded, { refundedAmount: '15.00' })).toBeDefined();
  });

  it('a release of more units than the order holds is refused', () => {
    expect(mismatch(inventory.InventoryReleased, { releasedQuantity: 3 })).toBeUndefined();
    expect(mismatch(inventory.InventoryReleased, { releasedQuantity: 0 })).toBeUndefined();
    expect(mismatch(inventory.InventoryReleased, { releasedQuantity: 4 })).toMatch(/4 units for an order of 3/);
  });

  it('replies without amounts are not checked', () => {
    expect(mismatch(inventory.InventoryReserved, {})).toBeUndefined();
    expect(mismatch(billing.PaymentFailed, { reason: 'no', code: 'no_account' })).toBeUndefined();
  });
});
