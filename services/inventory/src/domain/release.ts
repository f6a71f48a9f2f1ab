import { inventory, type BodyOf, type order, decided, type DecidedMessage, type Decision } from '@saga/shared/contracts';
import type { InventoryWrite } from './decision';

export type ReleaseInventoryCommand = BodyOf<typeof order.ReleaseInventory>;

/** A reservation of the order still holding stock. */
export interface ActiveReservation {
  id: string;
  productId: string;
  quantity: number;
}

export interface ReleaseState {
  /** The order's Reserved reservations, in product order. */
  active: readonly ActiveReservation[];
}

export type ReleaseReply = DecidedMessage<typeof inventory.InventoryReleased>;

/**
 * Compensation: returns every active reservation's quantity to free stock and marks it
 * Released, and leaves the order's tombstone so a reservation arriving later is refused.
 * Releasing nothing is a success too (and still leaves the tombstone).
 */
export function decideRelease(command: ReleaseInventoryCommand, state: ReleaseState): Decision<InventoryWrite, ReleaseReply> {
  const { orderId } = command;
  const writes: InventoryWrite[] = [{ type: 'orderReleased', orderId }];
  if (state.active.length > 0) {
    writes.push(
      ...state.active.map((reservation) => ({ type: 'stockReturned' as const, productId: reservation.productId, quantity: reservation.quantity })),
      { type: 'reservationsReleased', reservationIds: state.active.map((reservation) => reservation.id) },
    );
  }
  const releasedQuantity = state.active.reduce((sum, reservation) => sum + reservation.quantity, 0);
  return { writes, reply: decided(inventory.InventoryReleased, { orderId, releasedQuantity }) };
}
