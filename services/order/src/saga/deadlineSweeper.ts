import { and, isNull, lte, or } from 'drizzle-orm';
import {
  outboxRows, outboxStatements, prepared, runAlone, SAGA_ATTR, traceHeadersFrom, transaction,
  type ContinuedTrace, type DatabaseHandle, type Logger, type Placeholders, type Runtime, type ServiceTracer,
} from '@saga/shared';
import { orderSagas } from '../db/schema';
import type { OrderSagas } from './orderSagas';
import { onVersions, orderSendContext } from './orderSagaStore';
import { parkUnknownVersions, resumeKnownVersions } from './parking';
import { pruneJournal } from './journalRetention';
import { announceStuckSagas, type StuckRules } from './stuckSagas';

/** Sweeps between two prunings of the journal (about a minute at the default interval). */
const PRUNE_EVERY = 60;

/** The sagas one of whose deadlines has passed by `now`, the most overdue step first, on a version of `versions` and not parked. */
const dueSagas = prepared('order_due_sagas', (db, p: Placeholders<{ now: Date; limit: number; versions: number[] }>) =>
  db
    .select({ orderId: orderSagas.orderId })
    .from(orderSagas)
    .where(
      and(
        or(lte(orderSagas.stepDeadlineAt, p.now), lte(orderSagas.deadlineAt, p.now)),
        onVersions(p.versions),
        isNull(orderSagas.parkedAt),
      ),
    )
    .orderBy(orderSagas.stepDeadlineAt)
    .limit(p.limit),
);

/**
 * Finds sagas whose step or overall deadline has passed and drives each with a
 * DeadlinePassed event. Deadlines live in the saga rows, so they survive restarts;
 * each saga is taken with FOR UPDATE SKIP LOCKED, so replicas sweep without overlap.
 * Each sweep first parks the sagas on versions this build does not know (their clock
 * stops) and resumes parked ones it knows (their clock moves on by the time parked), and
 * last announces the sagas that became stuck (saga.stuck, once each). Now and then it also
 * prunes the journal and finished webhook deliveries older than their retention. A passed
 * deadline is a span of the order's own trace (kept in its saga row), which the messages it
 * sends (compensations, say) continue.
 */
export class DeadlineSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private sweeps = 0;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly sagas: OrderSagas,
    private readonly sweepIntervalMs: number,
    private readonly runtime: Runtime,
    private readonly logger: Logger,
    private readonly stuck: StuckRules,
    private readonly journalRetentionMs: number,
    private readonly tracer: ServiceTracer,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Parks and resumes sagas, then drives every saga that is due now; returns how many it advanced. */
  async sweepOnce(): Promise<number> {
    const now = this.runtime.now();
    const versions = this.sagas.versions.known();
    await runAlone(this.database.pool, parkUnknownVersions({ now, versions }));
    await runAlone(this.database.pool, resumeKnownVersions({ now, versions, graceMs: this.sagas.timeouts.stepMs }));
    const due = await runAlone(this.database.pool, dueSagas({ now, limit: 100, versions }));
    let advanced = 0;
    for (const { orderId } of due) {
      if (this.stopped) break;
      try {
        if (await this.expire(orderId, now)) advanced += 1;
      } catch (error) {
        // One saga that cannot advance (a failing migration, say) must not hold back every other deadline.
        this.logger.error({ err: error, correlationId: orderId }, 'saga deadline could not be applied; the others go on');
      }
    }
    const stuck = await announceStuckSagas(this.database, now, this.stuck);
    if (stuck > 0) this.logger.warn({ stuck }, 'sagas found stuck');
    if (this.sweeps++ % PRUNE_EVERY === 0) {
      const { rows } = await runAlone(this.database.pool, pruneJournal({ before: new Date(now.getTime() - this.journalRetentionMs) }));
      if (rows[0]?.events || rows[0]?.deliveries) this.logger.info({ ...rows[0] }, 'pruned the saga journal and finished webhook deliveries past their retention');
    }
    return advanced;
  }

  private async expire(orderId: string, now: Date): Promise<boolean> {
    const traced: { deadline?: ContinuedTrace } = {};
    try {
      const result = await transaction(this.database.pool, { saga: this.sagas.lockDue(orderId, now) }, (opened) => {
        // None: a reply or another replica got there first.
        const saga = opened.saga[0];
        const advanced = this.sagas.deadline(saga, orderId, now);
        if (!advanced.advanced) return { value: undefined };
        this.logger.warn({ correlationId: orderId, status: advanced.status }, 'saga deadline passed');
        const deadline = this.tracer.continueTrace('saga deadline', traceHeadersFrom(saga?.traceContext, undefined), () => ({
          [SAGA_ATTR.correlationId]: orderId,
          [SAGA_ATTR.step]: saga?.currentStep ?? '',
          [SAGA_ATTR.status]: advanced.status,
        }));
        traced.deadline = deadline;
        return { value: advanced, closing: [...advanced.writes, ...outboxStatements(outboxRows(orderSendContext(orderId, this.runtime, deadline.headers), advanced.messages))] };
      });
      result?.committed();
      return result !== undefined;
    } catch (error) {
      traced.deadline?.failed(error);
      throw error;
    } finally {
      traced.deadline?.end();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce()
        .then(
          () => undefined,
          (error: unknown) => this.logger.warn({ err: error }, 'deadline sweep failed; trying again'),
        )
        .finally(() => this.schedule());
    }, this.sweepIntervalMs);
  }
}
