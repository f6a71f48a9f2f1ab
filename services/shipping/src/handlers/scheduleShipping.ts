import { handler, messageAbout } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { shipmentOfOrder, shippingStatements } from '../db/queries';
import { decideSchedule } from '../domain/schedule';
import type { ShippingSettings } from '../settings';

/**
 * Schedules the order's shipment with the carrier for its destination; a destination the
 * shop does not serve is recorded as a Refused shipment and answered, not thrown. Two round
 * trips: the order's shipment is read and locked with BEGIN (after the order's key lock),
 * the decided shipment written with COMMIT.
 */
export const onScheduleShipping = (settings: ShippingSettings) =>
  handler(order.ScheduleShipping, {
    serializeBy: (body) => body.orderId, // one at a time with a CancelShipment for the same order
    load: (body) => ({ shipment: shipmentOfOrder({ orderId: body.orderId }) }),
    handle: ({ body, loaded, write, send, runtime }) => {
      const decision = decideSchedule(body, { shipment: loaded.shipment[0], countries: settings.countries }, () => runtime.newId());
      write(...shippingStatements(decision.writes, runtime.now()));
      send(messageAbout({ type: 'order', id: body.orderId }, decision.reply));
    },
  });
