import { createHash } from 'node:crypto';
import type { ShippingAddress } from '@saga/shared/contracts';
import { formatMoney, parseMoney } from '@saga/shared/money';

export interface OrderItem {
  productId: string;
  productName?: string;
  quantity: number;
  /** Unit price as a decimal string. */
  price: string;
}

export interface PlaceOrderRequest {
  userId: string;
  items: OrderItem[];
  /** Where to ship it; absent for an order with nothing to ship (digital goods). */
  shippingAddress?: ShippingAddress;
}

/** Sum of price x quantity in integer cents: exact, whatever the prices (also beyond what a column holds). */
export function totalCents(items: readonly OrderItem[]): bigint {
  return items.reduce((sum, item) => sum + parseMoney(item.price) * BigInt(item.quantity), 0n);
}

/** The order total as a decimal string. */
export function totalAmount(items: readonly OrderItem[]): string {
  return formatMoney(totalCents(items));
}

/** A stable fingerprint of a request body, so a reused Idempotency-Key with another body is detected. */
export function fingerprint(request: PlaceOrderRequest): string {
  const canonical = JSON.stringify({
    userId: request.userId,
    items: request.items.map((item) => [item.productId, item.productName ?? null, item.quantity, item.price]),
    ...(request.shippingAddress ? { shippingAddress: addressFields(request.shippingAddress) } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

const addressFields = (address: ShippingAddress) => [address.name, address.line1, address.line2 ?? null, address.city, address.postalCode, address.country];
