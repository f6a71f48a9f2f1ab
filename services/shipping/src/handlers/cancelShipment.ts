import { handler, messageAbout } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { shipmentOfOrder, shippingStatements } from '../db/queries';
import { decideCancel } from '../domain/cancel';

/**
 * Compensation: cancels a scheduled shipment. If no shipment exists yet (the cancel
 * overtook its ScheduleShipping), a Cancelled shipment is recorded for the order so the
 * late ScheduleShipping is refused. Either way the cancel is a success. Two round trips:
 * the shipment is read and locked with BEGIN (after the order's key lock), the decided change written with COMMIT.
 */
export const onCancelShipment = handler(order.CancelShipment, {
  serializeBy: (body) => body.orderId, // one at a time with a ScheduleShipping for the same order
  load: (body) => ({ shipment: shipmentOfOrder({ orderId: body.orderId }) }),
  handle: ({ body, loaded, write, send, runtime }) => {
    const decision = decideCancel(body, { shipment: loaded.shipment[0] }, () => runtime.newId());
    write(...shippingStatements(decision.writes, runtime.now()));
    send(messageAbout({ type: 'order', id: body.orderId }, decision.reply));
  },
});
