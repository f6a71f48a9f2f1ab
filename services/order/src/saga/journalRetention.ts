import { sql } from 'drizzle-orm';
import { preparedSql, type Placeholders } from '@saga/shared';
import { sagaEvents, webhookAttempts, webhookDeliveries } from '../db/schema';

/** Rows taken per statement: pruning never holds many locks or runs long. */
const SLICE = 1000;

/**
 * Deletes up to a slice of journal rows older than `before`, and as many finished webhook
 * deliveries (delivered or failed) with their attempts. A client resuming a stream from a
 * position older than that simply gets what remains after it; pending deliveries are kept
 * whatever their age.
 */
export const pruneJournal = preparedSql('order_prune_journal', (p: Placeholders<{ before: Date }>) => sql`
  with old_events as (
    select seq from ${sagaEvents} where at < ${p.before} order by seq limit ${SLICE}
  ), pruned_events as (
    delete from ${sagaEvents} where seq in (select seq from old_events) returning 1
  ), old_deliveries as (
    select id from ${webhookDeliveries} where status <> 'pending' and created_at < ${p.before} order by created_at limit ${SLICE}
  ), pruned_attempts as (
    delete from ${webhookAttempts} where delivery_id in (select id from old_deliveries) returning 1
  ), pruned_deliveries as (
    delete from ${webhookDeliveries} where id in (select id from old_deliveries) returning 1
  )
  select (select count(*) from pruned_events)::int as events, (select count(*) from pruned_deliveries)::int as deliveries`);
