import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { prepared, transaction, type DatabaseHandle, type Placeholders } from '@saga/shared';
import { orderSagas } from '../db/schema';
import { journalSagaChange } from './sagaJournal';

/** When a saga in flight counts as stuck. */
export interface StuckRules {
  /** In flight longer than this. */
  stuckAfterMs: number;
  /** Past its step deadline by more than this (the sweeper acts on a deadline within a sweep, so longer means it cannot). */
  overdueMs: number;
}

const tooLongReason = (rules: StuckRules) => `in flight for more than ${Math.round(rules.stuckAfterMs / 1000)} s`;

/**
 * Why a saga is stuck as of `now` (a date or a placeholder, as are the limits), or null:
 * parked, past its step deadline, or in flight too long, in that order.
 */
function stuckReasonOf(now: unknown, overdueMs: unknown, stuckAfterMs: unknown, tooLong: unknown): SQL<string | null> {
  const before = (ms: unknown) => sql`${now}::timestamptz - make_interval(secs => ${ms}::double precision / 1000)`;
  return sql<string | null>`case
    when ${orderSagas.completedAt} is not null then null
    when ${orderSagas.parkedAt} is not null then 'parked: its definition version is unknown to a build that ran'
    when ${orderSagas.stepDeadlineAt} <= ${before(overdueMs)} then 'past its step deadline, and the deadline sweeper has not moved it'
    when ${orderSagas.createdAt} <= ${before(stuckAfterMs)} then ${tooLong}::text
    else null end`;
}

/** Why each saga is stuck at `now`, or null: a column for listings. */
export const stuckReason = (now: Date, rules: StuckRules): SQL<string | null> => stuckReasonOf(now, rules.overdueMs, rules.stuckAfterMs, tooLongReason(rules));

/** Stuck sagas not announced yet, with their reasons, locked (skipping those another transaction holds). */
const unannounced = prepared('order_unannounced_stuck_sagas', (db, p: Placeholders<{ now: Date; stuckAfterMs: number; overdueMs: number; tooLong: string }>) => {
  const reason = stuckReasonOf(p.now, p.overdueMs, p.stuckAfterMs, p.tooLong);
  return db
    .select({
      id: orderSagas.id,
      orderId: orderSagas.orderId,
      version: orderSagas.version,
      definitionVersion: orderSagas.definitionVersion,
      status: orderSagas.status,
      currentStep: orderSagas.currentStep,
      reason: sql<string>`${reason}`,
    })
    .from(orderSagas)
    .where(and(isNull(orderSagas.completedAt), isNull(orderSagas.stuckAt), sql`(${reason}) is not null`))
    .orderBy(orderSagas.createdAt)
    .limit(100)
    .for('update', { skipLocked: true });
});

const markStuck = prepared('order_mark_saga_stuck', (db, p: Placeholders<{ id: string; at: Date }>) =>
  db.update(orderSagas).set({ stuckAt: sql`${p.at}`, version: sql`${orderSagas.version} + 1` }).where(eq(orderSagas.id, p.id)),
);

/**
 * Announces, once each, the sagas that became stuck: marks the row (a new version) and
 * journals saga.stuck with the reason, in one transaction, so webhook subscribers hear
 * of it exactly when it is recorded. Returns how many.
 */
export async function announceStuckSagas(database: DatabaseHandle, now: Date, rules: StuckRules): Promise<number> {
  return transaction(database.pool, { stuck: unannounced({ now, ...rules, tooLong: tooLongReason(rules) }) }, ({ stuck }) => ({
    value: stuck.length,
    closing: stuck.flatMap((saga) => [
      markStuck({ id: saga.id, at: now }),
      journalSagaChange({
        orderId: saga.orderId,
        sagaId: saga.id,
        version: saga.version + 1,
        definitionVersion: saga.definitionVersion,
        status: saga.status,
        currentStep: saga.currentStep,
        orderStatus: 'Pending',
        entries: [],
        lifecycle: [{ type: 'saga.stuck', reason: saga.reason }],
        at: now,
      }),
    ]),
  }));
}
