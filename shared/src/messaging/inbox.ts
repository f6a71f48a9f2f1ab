import { primaryKey, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { literal } from '../db/transaction';

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
 * The statement that records that `consumer` handles this message, to run on the
 * handler's transaction (with its BEGIN). It returns no row when the message was
 * already handled: the caller must then do nothing. A concurrent duplicate waits on
 * the key until the first transaction ends.
 */
export function claimInboxStatement(entry: { consumer: string; messageId: string; messageType: string; handledAt: Date }): string {
  return `insert into inbox (consumer, message_id, message_type, handled_at)
    values (${literal(entry.consumer)}, ${literal(entry.messageId)}, ${literal(entry.messageType)}, ${literal(entry.handledAt)})
    on conflict do nothing returning message_id`;
}
