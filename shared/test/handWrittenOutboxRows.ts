import { randomUUID } from 'node:crypto';
import type { Client, Pool, PoolClient } from 'pg';
import { insertOutboxRows, outbox } from '../src/messaging/outbox';

/**
 * Outbox rows as a bug or a person might write them by hand (bypassing `outboxRows`'
 * contract check), for tests of what the relay does with rows it can never publish.
 * `envelope` overrides any part of the headers (an oversized conversation id, say).
 */
export function handWrittenRow(type: string, envelope: Record<string, unknown> = {}): typeof outbox.$inferInsert & { id: string } {
  const orderId = randomUUID();
  const id = randomUUID();
  const headers = { messageId: id, messageType: type, correlationId: orderId, causationId: null, conversationId: orderId, sentAt: new Date().toISOString(), source: 'billing', ...envelope };
  return { id, aggregatetype: 'order', aggregateid: orderId, type, payload: { orderId }, headers: headers as typeof outbox.$inferInsert.headers, createdAt: new Date() };
}

/** Inserts the rows with the kernel's own outbox statement: one statement, and so one NOTIFY. */
export async function insertHandWritten(client: Pool | Client | PoolClient, rows: Array<ReturnType<typeof handWrittenRow>>): Promise<void> {
  await insertOutboxRows(rows).send(client as PoolClient);
}
