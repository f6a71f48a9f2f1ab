import type { Contract } from '@saga/shared/contracts';
import { MessageRefused, type DeadlineEvent, type OutgoingMessage, type SagaVersions, type Statement } from '@saga/shared';
import type { OrderSagaInput } from '../domain/orderSaga.definition';
import type { SagaTimeouts } from '../settings';
import { lockDueSaga, lockSaga, transitionSaga, type EventFor, type StoredSaga } from './orderSagaStore';
import type { SagaMetrics } from './sagaMetrics';

/** What advancing a saga by one event comes to, for the caller's transaction. */
export type Advance =
  | { advanced: false; why: 'no-saga' | 'not-expected' | 'unknown-version' }
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
 * The one way to advance an order's saga, used by the reply handlers (`reply`) and the
 * deadline sweeper (`deadline`): read and lock the saga with the transaction's BEGIN
 * (`lock` / `lockDue`), advance it, and write what that returns with the COMMIT. Each
 * saga runs on the version of the definition its row records; the metrics come in with
 * the constructor.
 */
export class OrderSagas {
  constructor(
    readonly versions: SagaVersions<OrderSagaInput>,
    readonly timeouts: SagaTimeouts,
    private readonly metrics?: SagaMetrics,
  ) {}

  /** Reads and locks the order's saga. */
  lock(orderId: string): Statement<StoredSaga[]> {
    return lockSaga({ orderId });
  }

  /** Reads and locks the order's saga if one of its deadlines passed by `dueAt`, its version is known and no one else holds it. */
  lockDue(orderId: string, dueAt: Date): Statement<StoredSaga[]> {
    return lockDueSaga({ orderId, dueAt, versions: this.versions.known() });
  }

  /**
   * Applies a reply to the saga `lock` read, as the saga's version takes it. A reply that
   * cannot be about this saga (an amount that is not the order's) is refused with
   * MessageRefused('reply-mismatch'), whatever the saga's state; one for a saga on a
   * version this code does not know is refused with 'saga-version-unknown' (the saga is
   * parked: the reply waits in the error queue for a build that knows it).
   */
  reply(saga: StoredSaga | undefined, orderId: string, contract: Contract, body: unknown, now: Date): Advance {
    const at = now.toISOString();
    const result = this.advance(saga, orderId, now, (version, input) => {
      const reply = this.versions.reply(version, contract);
      const refused = reply?.mismatch(input, body);
      if (refused) throw new MessageRefused('reply-mismatch', `${contract.messageType} does not match order ${orderId}: ${refused}`);
      return reply?.toEvent(body, at);
    });
    if (!result.advanced && result.why === 'unknown-version') {
      throw new MessageRefused('saga-version-unknown', `the saga of order ${orderId} is on definition version ${saga!.definitionVersion}, which this build does not know (it knows ${this.versions.known().join(', ')}); parked`);
    }
    return result;
  }

  /** Drives the saga `lockDue` read with its passed deadline: the saga's own, or its step's on its version. */
  deadline(saga: StoredSaga | undefined, orderId: string, now: Date): Advance {
    const sagaExpired = saga?.deadlineAt != null && saga.deadlineAt <= now;
    return this.advance(saga, orderId, now, (version): DeadlineEvent => ({
      type: 'DeadlinePassed',
      at: now.toISOString(),
      deadline: sagaExpired ? 'saga' : 'step',
      afterMs: sagaExpired ? this.timeouts.sagaMs : this.versions.stepDeadlineMs(version, saga?.currentStep ?? '', this.timeouts.stepMs),
    }));
  }

  private advance(saga: StoredSaga | undefined, orderId: string, now: Date, eventFor: EventFor): Advance {
    if (!saga) return { advanced: false, why: 'no-saga' };
    const result = transitionSaga(this.versions, saga, orderId, eventFor, now, this.timeouts);
    if (!result.changed) {
      if (result.why === 'unknown-version') this.metrics?.parked();
      return { advanced: false, why: result.why };
    }
    return {
      advanced: true,
      writes: result.writes,
      messages: result.messages,
      status: result.status,
      committed: () => this.metrics?.progressed(result.progress),
    };
  }
}
