/** The order's payment as stored: at most one per order. */
export interface StoredPayment {
  id: string;
  userId: string;
  /** A decimal string, "1299.99". */
  amount: string;
  status: 'Completed' | 'Failed' | 'Refunded';
  reason: string | null;
}

/** A payment to record; a Failed one charges nothing and stands for the order's refused (or cancelled) charge. */
export interface NewPayment {
  id: string;
  orderId: string;
  userId: string;
  amount: string;
  status: 'Completed' | 'Failed';
  reason: string | null;
}

/**
 * What billing changes, as facts, in the order they are written. `db/queries` maps each
 * to its statement; nothing here knows tables or SQL. Amounts are decimal strings.
 */
export type BillingWrite =
  | { type: 'paymentRecorded'; payment: NewPayment }
  | { type: 'accountDebited'; userId: string; amount: string }
  | { type: 'accountCredited'; userId: string; amount: string }
  | { type: 'paymentRefunded'; paymentId: string };

