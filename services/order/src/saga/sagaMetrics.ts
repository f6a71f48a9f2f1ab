import type { Counter, Histogram } from 'prom-client';
import { count, isNull, sql } from 'drizzle-orm';
import type { Database, Metrics } from '@saga/shared';
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
  private readonly compensationNames: ReadonlySet<string>;

  /** `labels`: the saga's steps and compensations (from its definition); their series start at zero. */
  constructor(metrics: Metrics, db: Database, labels: { steps: readonly string[]; compensations: readonly string[] }) {
    this.compensationNames = new Set(labels.compensations);
    this.started = metrics.counter('saga_started_total', 'Sagas started (orders accepted)', []);
    this.completed = metrics.counter('saga_completed_total', 'Sagas ended, by outcome: completed, compensated, failed, timed_out', ['outcome']);
    this.duration = metrics.histogram('saga_duration_seconds', 'From order accepted to saga ended', ['outcome'], SAGA_BUCKETS);
    this.stepDuration = metrics.histogram('saga_step_duration_seconds', 'From a step (or compensation) starting to its reply or deadline', ['step', 'outcome'], SAGA_BUCKETS);
    this.stepFailures = metrics.counter('saga_step_failures_total', 'Steps that failed, by reason code (or timeout)', ['step', 'reason']);
    this.compensations = metrics.counter('saga_compensations_total', 'Compensations completed', ['step']);
    this.timeouts = metrics.counter('saga_timeouts_total', 'Deadlines passed, by the step under way', ['step']);
    for (const step of labels.steps) this.timeouts.inc({ step }, 0);
    for (const step of labels.compensations) this.compensations.inc({ step }, 0);
    metrics.scrapeGauge('saga_in_flight', 'Sagas not yet ended, by state', ['state'], async (gauge) => {
      const rows = await db.select({ status: orderSagas.status, count: count() }).from(orderSagas).where(isNull(orderSagas.completedAt)).groupBy(orderSagas.status);
      for (const state of ['Started', 'InProgress', 'Compensating']) gauge.set({ state }, 0);
      for (const row of rows) gauge.set({ state: row.status }, row.count);
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

  progressed(progress: SagaProgress): void {
    const { history, added } = progress;
    for (let index = history.length - added; index < history.length; index += 1) {
      const entry = history[index]!;
      const since = index > 0 ? Date.parse(history[index - 1]!.timestamp) : progress.createdAt.getTime();
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
