import { index, primaryKey, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { prepared, type Placeholders } from '../db/statement';

/**
 * Messages a consumer has handled; the key makes a redelivered message a no-op. Each row
 * also keeps where the message came from and when it was committed, published and taken,
 * so an operator can follow one order's messages across services (the console does).
 * Rows from before those columns existed have them null.
 */
export const inbox = pgTable(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    messageId: text('message_id').notNull(),
    messageType: text('message_type').notNull(),
    /** When the handler took it (its transaction began). */
    handledAt: timestamp('handled_at', { withTimezone: true, mode: 'date' }).notNull(),
    correlationId: text('correlation_id'),
    causationId: text('causation_id'),
    /** The service that sent it (its app-id). */
    sender: text('sender'),
    /** When the sender committed it to its outbox (x-sent-at). */
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    /** When the sender's relay published it (x-published-at), if it said. */
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [primaryKey({ columns: [table.consumer, table.messageId] }), index('inbox_correlation_idx').on(table.correlationId)],
);

/**
 * An envelope instant as the inbox keeps it: null when absent or outside the years
 * PostgreSQL stores (an envelope only bounds the form, and a message must not fail its
 * handling over a timestamp kept for the record).
 */
export function storableInstant(iso: string | undefined): Date | null {
  if (iso === undefined) return null;
  const instant = new Date(iso);
  const year = instant.getUTCFullYear();
  // The epoch is what an envelope without x-sent-at reads as: not a time anyone sent it.
  return Number.isNaN(instant.getTime()) || instant.getTime() === 0 || year < 1 || year > 9999 ? null : instant;
}

/** What a claim records of the message beside its key. */
export type InboxClaim = Omit<typeof inbox.$inferInsert, 'correlationId' | 'causationId' | 'sender' | 'sentAt' | 'publishedAt'> &
  Required<Pick<typeof inbox.$inferInsert, 'correlationId' | 'causationId' | 'sender' | 'sentAt' | 'publishedAt'>>;

/**
 * Records that `consumer` handles this message, on the handler's transaction (with its
 * BEGIN). It yields no row when the message was already handled: the caller must then do
 * nothing. A concurrent duplicate waits on the key until the first transaction ends.
 */
export const claimInbox = prepared(
  'kernel_claim_inbox',
  (db, p: Placeholders<InboxClaim>) =>
    db
      .insert(inbox)
      .values({
        consumer: p.consumer,
        messageId: p.messageId,
        messageType: p.messageType,
        handledAt: p.handledAt,
        correlationId: p.correlationId,
        causationId: p.causationId,
        sender: p.sender,
        sentAt: p.sentAt,
        publishedAt: p.publishedAt,
      })
      .onConflictDoNothing()
      .returning({ messageId: inbox.messageId }),
);
