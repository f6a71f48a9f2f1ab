import { and, isNotNull, isNull, sql } from 'drizzle-orm';
import { prepared, type Placeholders } from '@saga/shared';
import { orderSagas } from '../db/schema';
import { onVersions } from './orderSagaStore';

// A saga on a definition version this build does not know is parked: its clock stops, so it
// is not timed out by a build that knows its version the moment that build starts, before an
// operator could replay the replies it missed (README, "Parked sagas").

/** Stops the clock of every unfinished saga on a version not in `versions`. */
export const parkUnknownVersions = prepared('order_park_unknown_versions', (db, p: Placeholders<{ now: Date; versions: number[] }>) =>
  db
    .update(orderSagas)
    .set({ parkedAt: sql`${p.now}::timestamptz` })
    .where(and(isNull(orderSagas.completedAt), isNull(orderSagas.parkedAt), sql`not (${onVersions(p.versions)})`)),
);

/**
 * Restarts the clock of every parked saga on a version in `versions`: its deadlines move on by
 * the time it was parked, and its step has at least `graceMs` left (time to replay its replies).
 */
export const resumeKnownVersions = prepared('order_resume_parked', (db, p: Placeholders<{ now: Date; versions: number[]; graceMs: number }>) =>
  db
    .update(orderSagas)
    .set({
      parkedAt: null,
      // greatest() skips NULLs: a saga without a step deadline (ended) keeps none.
      stepDeadlineAt: sql`case when ${orderSagas.stepDeadlineAt} is null then null else greatest(${orderSagas.stepDeadlineAt} + (${p.now}::timestamptz - ${orderSagas.parkedAt}), ${p.now}::timestamptz + ${p.graceMs}::int * interval '1 millisecond') end`,
      deadlineAt: sql`${orderSagas.deadlineAt} + (${p.now}::timestamptz - ${orderSagas.parkedAt})`,
    })
    .where(and(isNotNull(orderSagas.parkedAt), onVersions(p.versions))),
);
