import { primaryKey, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { prepared, type Placeholders } from '../db/statement';

/** Messages a consumer has handled; the key makes a redelivered message a no-op. */
export const inbox = pgTable(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    messageId: text('message_id').notNull(),
    messageType: text('message_type').notNull(),
    handledAt: timestamp('handled_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.consumer, table.messageId] })],
);

/**
 * Records that `consumer` handles this message, on the handler's transaction (with its
 * BEGIN). It yields no row when the message was already handled: the caller must then do
 * nothing. A concurrent duplicate waits on the key until the first transaction ends.
 */
export const claimInbox = prepared(
  'kernel_claim_inbox',
  (db, p: Placeholders<{ consumer: string; messageId: string; messageType: string; handledAt: Date }>) =>
    db
      .insert(inbox)
      .values({ consumer: p.consumer, messageId: p.messageId, messageType: p.messageType, handledAt: p.handledAt })
      .onConflictDoNothing()
      .returning({ messageId: inbox.messageId }),
);
