import { shipping, type BodyOf, type order, decided, type DecidedMessage, type Decision } from '@saga/shared/contracts';
import type { ShippingWrite, StoredShipment } from './decision';

export type CancelShipmentCommand = BodyOf<typeof order.CancelShipment>;

export interface CancelState {
  /** The order's shipment, if any. */
  shipment: StoredShipment | undefined;
}

export type CancelReply = DecidedMessage<typeof shipping.ShipmentCancelled>;

/** The reason on the Cancelled tombstone a cancel leaves when it overtook its ScheduleShipping. */
export const CANCEL_BEFORE_SCHEDULE_REASON = 'Cancelled before it was scheduled';

/**
 * Compensation: cancels a scheduled shipment. If no shipment exists yet (the cancel
 * overtook its ScheduleShipping), a Cancelled shipment is recorded for the order so the
 * late ScheduleShipping is refused. A shipment already Cancelled or Refused is left as it
 * is. Either way the cancel is a success. `newId` names the tombstone.
 */
export function decideCancel(command: CancelShipmentCommand, state: CancelState, newId: () => string): Decision<ShippingWrite, CancelReply> {
  const { orderId } = command;
  const { shipment } = state;
  const reply = decided(shipping.ShipmentCancelled, { orderId });
  if (shipment?.status === 'Scheduled') return { writes: [{ type: 'shipmentCancelled', shipmentId: shipment.id }], reply };
  if (shipment) return { writes: [], reply };
  return {
    writes: [
      {
        type: 'shipmentRecorded',
        shipment: { id: newId(), orderId, status: 'Cancelled', carrier: null, trackingNumber: null, address: null, items: null, reason: CANCEL_BEFORE_SCHEDULE_REASON },
      },
    ],
    reply,
  };
}
