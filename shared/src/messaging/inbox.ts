import { primaryKey, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/database';

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
 * Records that `consumer` handles this message, on the handler's transaction.
 * Returns false when it was already handled: the caller must then do nothing.
 * A concurrent duplicate waits on the key until the first transaction ends.
 */
export async function claimInbox(
  executor: Executor,
  entry: { consumer: string; messageId: string; messageType: string; handledAt: Date },
): Promise<boolean> {
  const inserted = await executor
    .insert(inbox)
    .values(entry)
    .onConflictDoNothing()
    .returning({ messageId: inbox.messageId });
  return inserted.length > 0;
}
