import { lte, or } from 'drizzle-orm';
import { outboxInsertStatement, outboxRows, transaction, type DatabaseHandle, type Logger, type Runtime } from '@saga/shared';
import type { SagaMetrics } from './sagaMetrics';
import { orderSagas } from '../db/schema';
import type { OrderSagaEvent } from '../domain/orderSaga.machine';
import type { OrderSettings } from '../settings';
import { advanceSaga, lockSagaStatement, type StoredSaga } from './orderSagaStore';

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
    private readonly database: DatabaseHandle,
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
    const due = await this.database.db
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
    const result = await transaction(this.database.pool, lockSagaStatement(orderId, now), async ([locked]) => {
      const saga = locked?.rows[0] as StoredSaga | undefined;
      if (!saga) return { value: undefined }; // a reply or another replica got there first
      const sagaExpired = saga.deadlineAt !== null && saga.deadlineAt <= now;
      const event: OrderSagaEvent = {
        type: 'DeadlinePassed',
        at: now.toISOString(),
        deadline: sagaExpired ? 'saga' : 'step',
        afterMs: sagaExpired ? timeouts.sagaMs : timeouts.stepMs,
      };
      const advanced = advanceSaga(saga, orderId, event, now, timeouts);
      if (!advanced.changed) return { value: undefined };
      this.logger.warn({ correlationId: orderId, deadline: event.deadline, status: advanced.status }, 'saga deadline passed');
      const messages = outboxRows({ source: 'order', correlationId: orderId, causationId: null, conversationId: orderId, runtime: this.runtime }, advanced.messages);
      return { value: advanced, closing: [...advanced.statements, outboxInsertStatement(messages)].filter(Boolean).join('; ') };
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
