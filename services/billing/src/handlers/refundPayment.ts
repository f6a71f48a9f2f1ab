import { handler, messageAbout } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { billingStatements, paymentOfOrder } from '../db/queries';
import { decideRefund } from '../domain/refund';

/**
 * Compensation: gives a completed charge back. If no charge exists yet (the refund
 * overtook its ProcessPayment), a Failed payment is recorded for the order so the late
 * charge is refused. Either way the refund is a success. Two round trips: the payment is
 * read and locked with BEGIN (after the order's key lock), the decided changes written with COMMIT.
 */
export const onRefundPayment = handler(order.RefundPayment, {
  serializeBy: (body) => body.orderId, // one at a time with a ProcessPayment for the same order
  load: (body) => ({ payment: paymentOfOrder({ orderId: body.orderId }) }),
  handle: ({ body, loaded, write, send, runtime }) => {
    const decision = decideRefund(body, { payment: loaded.payment[0] }, () => runtime.newId());
    write(...billingStatements(decision.writes, runtime.now()));
    send(messageAbout({ type: 'order', id: body.orderId }, decision.reply));
  },
});
