import { inventory, type BodyOf, type order, decided, type DecidedMessage, type Decision } from '@saga/shared/contracts';
import type { InventoryWrite } from './decision';
import { catalog, decideStock, type ProductStock } from './stock';

export type ReserveInventoryCommand = BodyOf<typeof order.ReserveInventory>;

export interface ReservationState {
  /** The order's inventory was released (compensated) before: its tombstone exists. */
  released: boolean;
  /** The order was reserved before (under another message id). */
  reserved: boolean;
  /** The named products that exist, with their free stock. */
  products: readonly ProductStock[];
}

export type ReservationReply = DecidedMessage<typeof inventory.InventoryReserved> | DecidedMessage<typeof inventory.InventoryReservationFailed>;

/**
 * Reserves every line or none. A reservation after the order's release is refused
 * (order_released); one the order already has is answered again without changing
 * anything. `newId` names each new reservation.
 */
export function decideReservation(command: ReserveInventoryCommand, state: ReservationState, newId: () => string): Decision<InventoryWrite, ReservationReply> {
  const { orderId } = command;
  if (state.released) {
    const reason = `Order ${orderId} was already released (compensated); the late reservation is refused`;
    return { writes: [], reply: decided(inventory.InventoryReservationFailed, { orderId, reason, code: 'order_released' }) };
  }
  if (state.reserved) return { writes: [], reply: decided(inventory.InventoryReserved, { orderId }) };
  const stock = decideStock(command.items, catalog(state.products));
  if (!stock.ok) return { writes: [], reply: decided(inventory.InventoryReservationFailed, { orderId, reason: stock.reason, code: stock.code }) };
  return {
    writes: [
      ...stock.lines.map((line) => ({ type: 'stockReserved' as const, productId: line.productId, quantity: line.quantity })),
      { type: 'reservationsRecorded', reservations: stock.lines.map((line) => ({ id: newId(), orderId, productId: line.productId, quantity: line.quantity })) },
    ],
    reply: decided(inventory.InventoryReserved, { orderId }),
  };
}
