import { lte, or } from 'drizzle-orm';
import { outboxRows, outboxStatements, prepared, runAlone, stepDeadlineMs, transaction, type DatabaseHandle, type DeadlineEvent, type Logger, type Placeholders, type Runtime } from '@saga/shared';
import { orderSagas } from '../db/schema';
import { orderSaga } from '../domain/orderSaga.definition';
import type { OrderSagas } from './orderSagas';
import { orderSendContext } from './orderSagaStore';

/** The sagas one of whose deadlines has passed by `now`, the most overdue step first. */
const dueSagas = prepared('order_due_sagas', (db, p: Placeholders<{ now: Date; limit: number }>) =>
  db
    .select({ orderId: orderSagas.orderId })
    .from(orderSagas)
    .where(or(lte(orderSagas.stepDeadlineAt, p.now), lte(orderSagas.deadlineAt, p.now)))
    .orderBy(orderSagas.stepDeadlineAt)
    .limit(p.limit),
);

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
    private readonly sagas: OrderSagas,
    private readonly sweepIntervalMs: number,
    private readonly runtime: Runtime,
    private readonly logger: Logger,
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
    const due = await runAlone(this.database.pool, dueSagas({ now, limit: 100 }));
    let advanced = 0;
    for (const { orderId } of due) {
      if (this.stopped) break;
      if (await this.expire(orderId, now)) advanced += 1;
    }
    return advanced;
  }

  private async expire(orderId: string, now: Date): Promise<boolean> {
    const { timeouts } = this.sagas;
    const result = await transaction(this.database.pool, { saga: this.sagas.lockDue(orderId, now) }, (opened) => {
      const saga = opened.saga[0]; // none: a reply or another replica got there first
      const sagaExpired = saga?.deadlineAt != null && saga.deadlineAt <= now;
      const event: DeadlineEvent = {
        type: 'DeadlinePassed',
        at: now.toISOString(),
        deadline: sagaExpired ? 'saga' : 'step',
        afterMs: sagaExpired ? timeouts.sagaMs : stepDeadlineMs(orderSaga, saga?.currentStep ?? '', timeouts.stepMs),
      };
      const advanced = this.sagas.advance(saga, orderId, event, now);
      if (!advanced.advanced) return { value: undefined };
      this.logger.warn({ correlationId: orderId, deadline: event.deadline, status: advanced.status }, 'saga deadline passed');
      return { value: advanced, closing: [...advanced.writes, ...outboxStatements(outboxRows(orderSendContext(orderId, this.runtime), advanced.messages))] };
    });
    result?.committed();
    return result !== undefined;
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
