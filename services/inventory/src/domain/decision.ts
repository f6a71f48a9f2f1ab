/**
 * What inventory changes, as facts, in the order they are written. `db/queries` maps each
 * to its statement; nothing here knows tables or SQL.
 */
export type InventoryWrite =
  /** Moves `quantity` of a product from free stock to reserved. */
  | { type: 'stockReserved'; productId: string; quantity: number }
  /** Moves `quantity` of a product from reserved back to free stock. */
  | { type: 'stockReturned'; productId: string; quantity: number }
  /** Records the order's reservations, one per product, as Reserved. */
  | { type: 'reservationsRecorded'; reservations: ReadonlyArray<{ id: string; orderId: string; productId: string; quantity: number }> }
  /** Marks reservations Released. */
  | { type: 'reservationsReleased'; reservationIds: readonly string[] }
  /** The tombstone: the order was released (compensated), so a late reservation of it is refused. */
  | { type: 'orderReleased'; orderId: string };

