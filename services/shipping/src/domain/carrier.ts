import { EU_MEMBER_STATES } from './regions';

export type Carrier = 'DHL' | 'UPS' | 'FedEx';

const EU = new Set(EU_MEMBER_STATES);

/** The shop ships from the EU: DHL within it, UPS to the US and Canada, FedEx everywhere else. */
export function carrierFor(country: string): Carrier {
  if (EU.has(country)) return 'DHL';
  if (country === 'US' || country === 'CA') return 'UPS';
  return 'FedEx';
}

/**
 * The carrier's name in upper case followed by the last 12 hex digits of the shipment id,
 * upper case: "DHL9A2C3D4E5F60". The last digits are random in a v4 (and a v7) uuid, the first
 * ones of a v7 are its timestamp.
 */
export function trackingNumberFor(carrier: Carrier, shipmentId: string): string {
  return `${carrier.toUpperCase()}${shipmentId.replace(/-/g, '').slice(-12).toUpperCase()}`;
}
