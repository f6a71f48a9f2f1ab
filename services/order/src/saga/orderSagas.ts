import { MessageRefused, type OutgoingMessage, type SagaEvent, type Statement } from '@saga/shared';
import type { OrderSagaInput } from '../domain/orderSaga.machine';
import type { SagaTimeouts } from '../settings';
import { inputOf, lockDueSaga, lockSaga, transitionSaga, type StoredSaga } from './orderSagaStore';
import type { SagaMetrics } from './sagaMetrics';

/** What advancing a saga by one event comes to, for the caller's transaction. */
export type Advance =
  | { advanced: false; why: 'no-saga' | 'not-expected' }
  | {
      advanced: true;
      /** Statements that store the change, to send with COMMIT. */
      writes: Statement[];
      /** The messages the transition sends, to write to the outbox with COMMIT. */
      messages: OutgoingMessage[];
      status: string;
      /** Counts the change in the metrics: call once the transaction committed. */
      committed(): void;
    };

/**
 * The one way to advance an order's saga, used by the reply handler (an event from a
 * reply) and the deadline sweeper (a DeadlinePassed): read and lock the saga with the
 * transaction's BEGIN (`lock` / `lockDue`), then `advance` it with the event, and write
 * what it returns with the COMMIT. The metrics come in with the constructor.
 */
export class OrderSagas {
  constructor(
    readonly timeouts: SagaTimeouts,
    private readonly metrics?: SagaMetrics,
  ) {}

  /** Reads and locks the order's saga. */
  lock(orderId: string): Statement<StoredSaga[]> {
    return lockSaga({ orderId });
  }

  /** Reads and locks the order's saga if one of its deadlines passed by `dueAt` and no one else holds it. */
  lockDue(orderId: string, dueAt: Date): Statement<StoredSaga[]> {
    return lockDueSaga({ orderId, dueAt });
  }

  /**
   * Applies `event` to the saga `lock` read. `mismatch` says why the event's reply cannot be
   * about this saga (an amount that is not the order's): it is then refused with
   * MessageRefused('reply-mismatch'), whatever the saga's state.
   */
  advance(
    saga: StoredSaga | undefined,
    orderId: string,
    event: SagaEvent,
    now: Date,
    mismatch?: (input: OrderSagaInput) => string | undefined,
  ): Advance {
    if (!saga) return { advanced: false, why: 'no-saga' };
    const refused = mismatch?.(inputOf(saga));
    if (refused) throw new MessageRefused('reply-mismatch', `${event.type} does not match order ${orderId}: ${refused}`);
    const result = transitionSaga(saga, orderId, event, now, this.timeouts);
    if (!result.changed) return { advanced: false, why: 'not-expected' };
    return {
      advanced: true,
      writes: result.writes,
      messages: result.messages,
      status: result.status,
      committed: () => this.metrics?.progressed(result.progress),
    };
  }
}
