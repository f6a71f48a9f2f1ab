import { and, eq, lte, or } from 'drizzle-orm';
import { enqueue, type Database, type Logger, type Runtime } from '@saga/shared';
import type { SagaMetrics } from './sagaMetrics';
import { orderSagas } from '../db/schema';
import type { OrderSagaEvent } from '../domain/orderSaga.machine';
import type { OrderSettings } from '../settings';
import { advanceOrderSaga } from './orderSagaStore';

/**
 * Finds sagas whose step or overall deadline has passed and drives each with a
 * DeadlinePassed event. Deadlines live in the saga rows, so they survive restarts;
 * each saga is taken with FOR UPDATE SKIP LOCKED, so replicas sweep without overlap.
 */
export class DeadlineSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly settings: OrderSettings,
    private readonly runtime: Runtime,
    private readonly logger: Logger,
    private readonly metrics?: SagaMetrics,
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

  /** Drives every saga that is due now; returns how many it advanced. */
  async sweepOnce(): Promise<number> {
    const now = this.runtime.now();
    const due = await this.db
      .select({ orderId: orderSagas.orderId })
      .from(orderSagas)
      .where(or(lte(orderSagas.stepDeadlineAt, now), lte(orderSagas.deadlineAt, now)))
      .orderBy(orderSagas.stepDeadlineAt)
      .limit(100);
    let advanced = 0;
    for (const { orderId } of due) {
      if (this.stopped) break;
      if (await this.expire(orderId, now)) advanced += 1;
    }
    return advanced;
  }

  private async expire(orderId: string, now: Date): Promise<boolean> {
    const { timeouts } = this.settings;
    const result = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ deadlineAt: orderSagas.deadlineAt, stepDeadlineAt: orderSagas.stepDeadlineAt })
        .from(orderSagas)
        .where(and(eq(orderSagas.orderId, orderId), or(lte(orderSagas.stepDeadlineAt, now), lte(orderSagas.deadlineAt, now))))
        .for('update', { skipLocked: true });
      if (!row) return false; // a reply or another replica got there first
      const sagaExpired = row.deadlineAt !== null && row.deadlineAt <= now;
      const event: OrderSagaEvent = {
        type: 'DeadlinePassed',
        at: now.toISOString(),
        deadline: sagaExpired ? 'saga' : 'step',
        afterMs: sagaExpired ? timeouts.sagaMs : timeouts.stepMs,
      };
      const advanced = await advanceOrderSaga(tx, orderId, event, now, timeouts);
      if (!advanced.changed) return false;
      this.logger.warn({ correlationId: orderId, deadline: event.deadline, status: advanced.status }, 'saga deadline passed');
      await enqueue(tx, { source: 'order', correlationId: orderId, causationId: null, conversationId: orderId, runtime: this.runtime }, advanced.messages);
      return advanced;
    });
    if (!result) return false;
    this.metrics?.progressed(result.progress);
    return true;
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
    }, this.settings.deadlineSweepIntervalMs);
  }
}
