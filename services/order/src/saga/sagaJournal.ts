import { sql } from 'drizzle-orm';
import { preparedSql, type HistoryEntry, type Placeholders, type Statement } from '@saga/shared';
import { sagaEvents, webhookDeliveries, webhookSubscriptions } from '../db/schema';
import type { LifecycleEvent } from '../domain/lifecycle';
import type { OrderStatus } from '../domain/sagaView';

/** A committed change of a saga, as the journal records it. */
export interface SagaChangeRecord {
  orderId: string;
  sagaId: string;
  /** The saga row's version after the change. */
  version: number;
  definitionVersion: number;
  status: string;
  currentStep: string;
  orderStatus: OrderStatus;
  entries: HistoryEntry[];
  lifecycle: LifecycleEvent[];
  at: Date;
}

/** The body a webhook subscriber receives for one lifecycle event (Standard Webhooks' { type, timestamp, data }). */
export function webhookPayload(change: SagaChangeRecord, event: LifecycleEvent) {
  return {
    type: event.type,
    timestamp: change.at.toISOString(),
    data: {
      orderId: change.orderId,
      sagaId: change.sagaId,
      sagaVersion: change.version,
      definitionVersion: change.definitionVersion,
      sagaStatus: change.status,
      currentStep: change.currentStep,
      orderStatus: change.orderStatus,
      ...(event.entry ? { step: event.entry.step, outcome: event.entry.status, message: event.entry.message } : {}),
      ...(event.reason ? { reason: event.reason } : {}),
    },
  };
}

type JournalValues = Omit<SagaChangeRecord, 'entries' | 'lifecycle'> & { entries: string; lifecycle: string; payloads: string };

/**
 * Journals one change and, in the same statement, puts a delivery in the webhook outbox
 * for each (lifecycle event, subscriber of that event type): both commit or roll back
 * with the change itself.
 */
const journal = preparedSql('order_journal_saga_change', (p: Placeholders<JournalValues>) => sql`
  with event as (
    insert into ${sagaEvents} (order_id, saga_id, version, definition_version, status, current_step, order_status, entries, lifecycle, at)
    values (${p.orderId}, ${p.sagaId}, ${p.version}, ${p.definitionVersion}, ${p.status}, ${p.currentStep}, ${p.orderStatus}, ${p.entries}::jsonb, ${p.lifecycle}::jsonb, ${p.at})
    returning seq
  )
  insert into ${webhookDeliveries} (id, subscription_id, event_seq, event_type, payload, status, attempts, next_attempt_at, created_at)
  select gen_random_uuid(), subscriber.id, event.seq, raised.payload ->> 'type', raised.payload, 'pending', 0, ${p.at}, ${p.at}
  from event
  cross join jsonb_array_elements(${p.payloads}::jsonb) as raised(payload)
  join ${webhookSubscriptions} as subscriber on subscriber.deleted_at is null and (raised.payload ->> 'type') = any(subscriber.events)`);

/** The statement that journals `change` (for its transaction's COMMIT). */
export function journalSagaChange(change: SagaChangeRecord): Statement {
  return journal({
    ...change,
    entries: JSON.stringify(change.entries),
    lifecycle: JSON.stringify(change.lifecycle),
    payloads: JSON.stringify(change.lifecycle.map((event) => webhookPayload(change, event))),
  });
}
