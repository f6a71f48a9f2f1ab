import { randomUUID } from 'node:crypto';

/**
 * Outbox rows as a bug or a person might write them by hand (bypassing `outboxRows`'
 * contract check), for tests of what the relay does with rows it can never publish.
 * `envelope` overrides any part of the headers (an oversized conversation id, say).
 */
export function handWrittenRow(type: string, envelope: Record<string, unknown> = {}) {
  const orderId = randomUUID();
  const id = randomUUID();
  const headers = { messageId: id, messageType: type, correlationId: orderId, causationId: null, conversationId: orderId, sentAt: new Date().toISOString(), source: 'billing', ...envelope };
  return { id, values: [id, orderId, type, JSON.stringify({ orderId }), JSON.stringify(headers)] };
}

/** Inserts the rows in one parameterized statement (and so one NOTIFY). */
export async function insertHandWritten(
  database: { query(text: string, params: unknown[]): Promise<unknown> },
  rows: Array<ReturnType<typeof handWrittenRow>>,
): Promise<void> {
  const values = rows.map((_, i) => `($${i * 5 + 1}::uuid, 'order', $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}::jsonb, $${i * 5 + 5}::jsonb, now())`).join(', ');
  await database.query(`insert into outbox (id, aggregatetype, aggregateid, type, payload, headers, created_at) values ${values}`, rows.flatMap((row) => row.values));
}
