import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { BodyOf, Contract, DecidedMessage } from '../contracts/common';
import type { Executor } from '../db/database';
import { insertRows, type Statement } from '../db/statement';
import type { Runtime } from '../runtime';
import { activeTraceHeaders } from '../tracing/propagation';
import type { TraceHeaders } from '../tracing/traceHeaders';
import type { Envelope } from './envelope';

/** The columns of a message row, shared by the outbox and the rows set aside from it (their headers differ: see each). */
const messageColumns = () => ({
  id: uuid('id').primaryKey(),
  aggregatetype: text('aggregatetype').notNull(),
  aggregateid: text('aggregateid').notNull(),
  type: text('type').notNull(),
  payload: jsonb('payload').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * The transactional outbox. Column names follow Debezium's outbox event router
 * (id, aggregatetype, aggregateid, type, payload) so a deployment can drain it with
 * Debezium instead of the built-in relay. `seq` keeps publication in insertion order.
 */
export const outbox = pgTable(
  'outbox',
  { seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(), ...messageColumns(), headers: jsonb('headers').$type<Envelope>().notNull() },
  (table) => [index('outbox_seq_idx').on(table.seq)],
);

/**
 * Outbox rows the relay could never publish (an envelope outside its bounds, a body too
 * large, a message the broker refuses), set aside with the reason so the rows behind
 * them flow. Counted in `outbox_dead_letters`, shown on /health as degraded, alerted on.
 * Their headers are what the row held, which may be outside the envelope's bounds.
 */
export const outboxDeadLetters = pgTable('outbox_dead_letters', {
  ...messageColumns(),
  headers: jsonb('headers').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  reason: text('reason').notNull(),
  failedAt: timestamp('failed_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export interface OutgoingMessage<C extends Contract = Contract> {
  contract: C;
  body: BodyOf<C>;
  aggregateType: string;
  aggregateId: string;
}

/** Where a message comes from: the sending service and the message (if any) being handled. */
export interface SendContext {
  source: string;
  correlationId: string;
  causationId: string | null;
  conversationId: string;
  runtime: Runtime;
  /** The trace the messages continue (the handling of the message that caused them, say); unset: the active one, if any. */
  trace?: TraceHeaders;
}

export function message<C extends Contract>(
  contract: C,
  body: BodyOf<C>,
  aggregate: { type: string; id: string },
): OutgoingMessage<C> {
  return { contract, body, aggregateType: aggregate.type, aggregateId: aggregate.id };
}

/** A decided message (a participant's reply, say) as the outbox message it is sent as, about `aggregate`. */
export const messageAbout = (aggregate: { type: string; id: string }, decided: DecidedMessage): OutgoingMessage => message(decided.contract, decided.body, aggregate);

type OutboxRow = typeof outbox.$inferInsert;

/**
 * The outbox rows for `messages`, sent in `context`. Bodies are checked against their
 * contract here so a bug in a producer fails its own transaction instead of poisoning a consumer.
 */
export function outboxRows(context: SendContext, messages: OutgoingMessage[]): OutboxRow[] {
  const now = context.runtime.now();
  const trace = context.trace ?? activeTraceHeaders();
  return messages.map((outgoing) => {
    const payload = outgoing.contract.schema.parse(outgoing.body);
    const headers: Envelope = {
      messageId: context.runtime.newId(),
      messageType: outgoing.contract.messageType,
      correlationId: context.correlationId,
      causationId: context.causationId,
      conversationId: context.conversationId,
      sentAt: now.toISOString(),
      source: context.source,
      ...trace,
    };
    return {
      id: headers.messageId,
      aggregatetype: outgoing.aggregateType,
      aggregateid: outgoing.aggregateId,
      type: headers.messageType,
      payload,
      headers,
      createdAt: now,
    };
  });
}

/** Writes messages to the outbox on the caller's transaction: they are published if, and only if, it commits. */
export async function enqueue(executor: Executor, context: SendContext, messages: OutgoingMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await executor.insert(outbox).values(outboxRows(context, messages));
}

/** The same rows as a statement for a transaction's COMMIT (prepared for up to four rows). */
export const insertOutboxRows = insertRows('kernel_insert_outbox', outbox, ['id', 'aggregatetype', 'aggregateid', 'type', 'payload', 'headers', 'createdAt']);

/** What puts these rows in the outbox with a transaction's COMMIT: one statement, or none for no rows. */
export const outboxStatements = (rows: OutboxRow[]): Statement[] => (rows.length > 0 ? [insertOutboxRows(rows)] : []);
