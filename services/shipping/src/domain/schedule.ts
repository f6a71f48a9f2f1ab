import { shipping, type BodyOf, type order, decided, type DecidedMessage, type Decision } from '@saga/shared/contracts';
import { carrierFor, trackingNumberFor } from './carrier';
import type { ShippingWrite, StoredShipment } from './decision';

export type ScheduleShippingCommand = BodyOf<typeof order.ScheduleShipping>;

export interface ScheduleState {
  /** The order's shipment, if one was decided before (under another message id, or by a cancel that came first). */
  shipment: StoredShipment | undefined;
  /** The countries the shop ships to (ISO 3166-1 alpha-2). */
  countries: ReadonlySet<string>;
}

export type ScheduleReply = DecidedMessage<typeof shipping.ShipmentScheduled> | DecidedMessage<typeof shipping.ShipmentSchedulingFailed>;

/** The answer to a ScheduleShipping that arrives after its CancelShipment. */
export const SCHEDULE_AFTER_CANCEL_REASON = 'Shipment cancelled before it was scheduled (cancel came first)';

/**
 * Schedules the order's shipment with the carrier for its destination, or records it as
 * Refused when the shop does not ship there. An order whose shipment exists is answered
 * again from it and nothing is written: a Cancelled one as shipment_cancelled (so a
 * ScheduleShipping after its CancelShipment is refused). `newId` names the new shipment.
 */
export function decideSchedule(command: ScheduleShippingCommand, state: ScheduleState, newId: () => string): Decision<ShippingWrite, ScheduleReply> {
  const { orderId, items, address } = command;
  if (state.shipment) return { writes: [], reply: answerAgain(orderId, state.shipment) };
  const id = newId();
  if (!state.countries.has(address.country)) {
    const reason = `We do not ship to ${address.country}`;
    return {
      writes: [{ type: 'shipmentRecorded', shipment: { id, orderId, status: 'Refused', carrier: null, trackingNumber: null, address, items, reason } }],
      reply: decided(shipping.ShipmentSchedulingFailed, { orderId, reason, code: 'unsupported_destination' }),
    };
  }
  const carrier = carrierFor(address.country);
  const trackingNumber = trackingNumberFor(carrier, id);
  return {
    writes: [{ type: 'shipmentRecorded', shipment: { id, orderId, status: 'Scheduled', carrier, trackingNumber, address, items, reason: null } }],
    reply: decided(shipping.ShipmentScheduled, { orderId, shipmentId: id, carrier, trackingNumber }),
  };
}

function answerAgain(orderId: string, shipment: StoredShipment): ScheduleReply {
  switch (shipment.status) {
    case 'Scheduled':
      return decided(shipping.ShipmentScheduled, { orderId, shipmentId: shipment.id, carrier: shipment.carrier!, trackingNumber: shipment.trackingNumber! });
    case 'Refused':
      return decided(shipping.ShipmentSchedulingFailed, { orderId, reason: shipment.reason ?? 'Shipment refused', code: 'unsupported_destination' });
    case 'Cancelled': {
      // A cancel that came first left a tombstone without a carrier; otherwise the shipment was scheduled, then cancelled.
      const reason = shipment.carrier === null ? SCHEDULE_AFTER_CANCEL_REASON : `Shipment ${shipment.id} was cancelled`;
      return decided(shipping.ShipmentSchedulingFailed, { orderId, reason, code: 'shipment_cancelled' });
    }
  }
}
