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
  const column = (index: number) => rows.map((row) => row.values[index]);
  await database.query(
    `insert into outbox (id, aggregatetype, aggregateid, type, payload, headers, created_at)
     select id, 'order', aggregateid, type, payload, headers, now()
     from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[]) as given (id, aggregateid, type, payload, headers)`,
    [0, 1, 2, 3, 4].map(column),
  );
}
