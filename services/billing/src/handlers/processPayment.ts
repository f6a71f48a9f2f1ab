import { handler, messageAbout } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { accountOf, billingStatements, paymentOfOrder } from '../db/queries';
import { decideCharge } from '../domain/charge';

/**
 * Charges the order's amount if the account covers it; a refusal is recorded as a Failed
 * payment and answered, not thrown. Two round trips: the order's payment and the account
 * are read and locked with BEGIN (after the order's key lock), the decided payment and
 * balance written with COMMIT.
 */
export const onProcessPayment = handler(order.ProcessPayment, {
  serializeBy: (body) => body.orderId, // one at a time with a RefundPayment for the same order
  load: (body) => ({ payment: paymentOfOrder({ orderId: body.orderId }), account: accountOf({ userId: body.userId }) }),
  handle: ({ body, loaded, write, send, runtime }) => {
    const decision = decideCharge(body, { payment: loaded.payment[0], account: loaded.account[0] }, () => runtime.newId());
    write(...billingStatements(decision.writes, runtime.now()));
    send(messageAbout({ type: 'order', id: body.orderId }, decision.reply));
  },
});
