import type { Counter, Histogram } from 'prom-client';
import { and, count, isNull, notInArray, sql } from 'drizzle-orm';
import type { Database, Metrics, SagaVersions } from '@saga/shared';
import { orderSagas } from '../db/schema';
import type { SagaProgress } from './orderSagaStore';

const SAGA_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Saga metrics, registered once per service's registry; in-flight gauges are computed at scrape time. */
export class SagaMetrics {
  private readonly started: Counter;
  private readonly completed: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;
  private readonly stepDuration: Histogram<'step' | 'outcome'>;
  private readonly stepFailures: Counter<'step' | 'reason'>;
  private readonly compensations: Counter<'step'>;
  private readonly timeouts: Counter<'step'>;
  private readonly parkedEvents: Counter<'reason'>;
  private readonly compensationNames: ReadonlySet<string>;

  /** The steps and compensations of every version label the series, which start at zero. */
  constructor(metrics: Metrics, db: Database, versions: SagaVersions<unknown>) {
    const labels = versions.labels();
    const known = versions.known();
    this.compensationNames = new Set(labels.compensations);
    this.started = metrics.counter('saga_started_total', 'Sagas started (orders accepted)', []);
    this.completed = metrics.counter('saga_completed_total', 'Sagas ended, by outcome: completed, compensated, failed, timed_out', ['outcome']);
    this.duration = metrics.histogram('saga_duration_seconds', 'From order accepted to saga ended', ['outcome'], SAGA_BUCKETS);
    this.stepDuration = metrics.histogram('saga_step_duration_seconds', 'From a step (or compensation) starting to its reply or deadline', ['step', 'outcome'], SAGA_BUCKETS);
    this.stepFailures = metrics.counter('saga_step_failures_total', 'Steps that failed, by reason code (or timeout)', ['step', 'reason']);
    this.compensations = metrics.counter('saga_compensations_total', 'Compensations completed', ['step']);
    this.timeouts = metrics.counter('saga_timeouts_total', 'Deadlines passed, by the step under way', ['step']);
    this.parkedEvents = metrics.counter('saga_parked_events_total', 'Replies refused (to the error queue) because their saga is parked, by why', ['reason']);
    this.parkedEvents.inc({ reason: 'unknown_definition_version' }, 0);
    for (const step of labels.steps) this.timeouts.inc({ step }, 0);
    for (const step of labels.compensations) this.compensations.inc({ step }, 0);
    metrics.scrapeGauge('saga_in_flight', 'Sagas not yet ended, by state', ['state'], async (gauge) => {
      const rows = await db.select({ status: orderSagas.status, count: count() }).from(orderSagas).where(isNull(orderSagas.completedAt)).groupBy(orderSagas.status);
      for (const state of ['Started', 'InProgress', 'Compensating']) gauge.set({ state }, 0);
      for (const row of rows) gauge.set({ state: row.status }, row.count);
    });
    metrics.scrapeGauge('saga_in_flight_by_version', 'Sagas not yet ended, by the version of the definition they run on (a version can be retired at 0)', ['version'], async (gauge) => {
      const rows = await db
        .select({ version: orderSagas.definitionVersion, count: count() })
        .from(orderSagas)
        .where(isNull(orderSagas.completedAt))
        .groupBy(orderSagas.definitionVersion);
      gauge.reset(); // a version no row is on any more leaves no stale series
      for (const version of known) gauge.set({ version: String(version) }, 0);
      for (const row of rows) gauge.set({ version: String(row.version) }, row.count);
    });
    metrics.scrapeGauge('saga_parked', 'Sagas not yet ended on a definition version this build does not know: nothing advances them until a build that knows it runs', [], async (gauge) => {
      const [parked] = await db
        .select({ count: count() })
        .from(orderSagas)
        .where(and(isNull(orderSagas.completedAt), notInArray(orderSagas.definitionVersion, known)));
      gauge.set(parked?.count ?? 0);
    });
    metrics.scrapeGauge('saga_oldest_in_flight_age_seconds', 'Age of the oldest saga not yet ended (0 when none)', [], async (gauge) => {
      const [oldest] = await db
        .select({ age: sql<string | null>`extract(epoch from now() - min(${orderSagas.createdAt}))` })
        .from(orderSagas)
        .where(isNull(orderSagas.completedAt));
      gauge.set(Number(oldest?.age ?? 0));
    });
  }

  sagaStarted(): void {
    this.started.inc();
  }

  /** A reply for a saga on a version this build does not know. */
  parked(): void {
    this.parkedEvents.inc({ reason: 'unknown_definition_version' });
  }

  progressed(progress: SagaProgress): void {
    const { history, added } = progress;
    for (let index = history.length - added; index < history.length; index += 1) {
      const entry = history[index]!;
      if (entry.status === 'Skipped' || entry.status === 'Migrated') continue;
      const previous = history.slice(0, index).findLast((earlier) => earlier.status !== 'Migrated'); // a migration is not a step's start
      const since = previous ? Date.parse(previous.timestamp) : progress.createdAt.getTime();
      const outcome = entry.status === 'Completed' ? 'completed' : entry.status === 'Failed' ? 'failed' : 'timed_out';
      this.stepDuration.observe({ step: entry.step, outcome }, Math.max(0, (Date.parse(entry.timestamp) - since) / 1000));
      if (entry.status === 'Failed') this.stepFailures.inc({ step: entry.step, reason: progress.failureCode ?? 'refused' });
      if (entry.status === 'TimedOut') {
        this.timeouts.inc({ step: entry.step });
        this.stepFailures.inc({ step: entry.step, reason: 'timeout' });
      }
      if (entry.status === 'Completed' && this.compensationNames.has(entry.step)) this.compensations.inc({ step: entry.step });
    }
    if (progress.terminal) {
      const outcome = history.some((h) => h.status === 'TimedOut') ? 'timed_out' : progress.status.toLowerCase();
      this.completed.inc({ outcome });
      this.duration.observe({ outcome }, Math.max(0, (progress.now.getTime() - progress.createdAt.getTime()) / 1000));
    }
  }
}
