import type { ShippingAddress, StockLine } from '@saga/shared/contracts';

export type ShipmentStatus = 'Scheduled' | 'Cancelled' | 'Refused';

/** The order's shipment as stored: at most one per order. */
export interface StoredShipment {
  id: string;
  status: ShipmentStatus;
  /** Null unless it was Scheduled (a Refused shipment, or a cancel that came first, has none). */
  carrier: string | null;
  trackingNumber: string | null;
  reason: string | null;
}

/** A shipment to record: Scheduled, Refused (nothing shipped), or the Cancelled tombstone of a cancel that came first. */
export interface NewShipment {
  id: string;
  orderId: string;
  status: ShipmentStatus;
  carrier: string | null;
  trackingNumber: string | null;
  address: ShippingAddress | null;
  items: StockLine[] | null;
  reason: string | null;
}

/**
 * What shipping changes, as facts, in the order they are written. `db/queries` maps each
 * to its statement; nothing here knows tables or SQL.
 */
export type ShippingWrite =
  | { type: 'shipmentRecorded'; shipment: NewShipment }
  | { type: 'shipmentCancelled'; shipmentId: string };
