import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { jsonLiteral, literal, message, type OutgoingMessage, type Runtime } from '@saga/shared';
import { orderSagaMachine, type OrderSagaEvent, type OrderSagaInput, type SagaMessage } from '../domain/orderSaga.machine';
import { viewSaga, type SagaView } from '../domain/sagaView';
import type { SagaTimeouts } from '../settings';
import type { SagaProgress } from './sagaMetrics';

type SagaSnapshot = SnapshotFrom<typeof orderSagaMachine>;
type SagaActions = ReturnType<typeof transition<typeof orderSagaMachine>>[1];

/** The outbox messages a transition asked for, in order. */
function messagesOf(actions: SagaActions, orderId: string): OutgoingMessage[] {
  return actions
    .filter((action) => action.type === 'send')
    .map((action) => {
      const { contract, body } = action.params as SagaMessage;
      return message(contract, body, { type: 'order', id: orderId });
    });
}

const later = (now: Date, ms: number) => new Date(now.getTime() + ms);

/**
 * Deadlines after a change: every non-final state gets a fresh step deadline; the
 * saga's overall deadline stops applying once it compensates (compensation must finish).
 */
function deadlines(view: SagaView, now: Date, timeouts: SagaTimeouts, deadlineAt: Date | null) {
  if (view.terminal) return { stepDeadlineAt: null, deadlineAt: null };
  return { stepDeadlineAt: later(now, timeouts.stepMs), deadlineAt: view.status === 'Compensating' ? null : deadlineAt };
}

/**
 * A new order's saga: the statement that creates its row (for the order's transaction,
 * with its COMMIT) and its first messages.
 */
export function startOrderSaga(input: OrderSagaInput, runtime: Runtime, timeouts: SagaTimeouts): { statement: string; messages: OutgoingMessage[] } {
  const [snapshot, actions] = initialTransition(orderSagaMachine, input);
  const view = viewSaga(snapshot);
  const now = runtime.now();
  const { stepDeadlineAt, deadlineAt } = deadlines(view, now, timeouts, later(now, timeouts.sagaMs));
  const statement = `insert into order_sagas (id, order_id, status, current_step, history, snapshot, version, created_at, updated_at, step_deadline_at, deadline_at)
    values (${literal(runtime.newId())}, ${literal(input.orderId)}, ${literal(view.status)}, ${literal(view.currentStep)},
      ${jsonLiteral(snapshot.context.history)}, ${jsonLiteral(orderSagaMachine.getPersistedSnapshot(snapshot))}, 1,
      ${literal(now)}, ${literal(now)}, ${literal(stepDeadlineAt)}, ${literal(deadlineAt)})`;
  return { statement, messages: messagesOf(actions, input.orderId) };
}

/** What a transition needs of a stored saga row. */
export interface StoredSaga {
  id: string;
  snapshot: unknown;
  deadlineAt: Date | null;
  createdAt: Date;
}

/**
 * Reads and row-locks an order's saga, as a statement to send with BEGIN. With `dueAt`,
 * only a saga one of whose deadlines has passed by then, skipping one another
 * transaction holds (for the deadline sweeper).
 */
export function lockSagaStatement(orderId: string, dueAt?: Date): string {
  const due = dueAt ? ` and (step_deadline_at <= ${literal(dueAt)} or deadline_at <= ${literal(dueAt)})` : '';
  return `select id, snapshot, deadline_at as "deadlineAt", created_at as "createdAt" from order_sagas
    where order_id = ${literal(orderId)}${due} for update${dueAt ? ' skip locked' : ''}`;
}

export type AdvanceResult =
  | { changed: false }
  | {
      changed: true;
      /** Saves the new snapshot, history, status, deadlines and the order's status (to send with COMMIT). */
      statements: string[];
      messages: OutgoingMessage[];
      status: string;
      progress: Omit<SagaProgress, 'failureCode'>;
    };

/**
 * Applies one event to a saga read (and locked) by `lockSagaStatement`: the snapshot
 * is restored and the transition computed purely. Returns the statements that write
 * the change back and the messages to enqueue, both for the caller's transaction. An
 * event the current state does not expect (a duplicate or late reply) changes nothing.
 */
export function advanceSaga(saga: StoredSaga, orderId: string, event: OrderSagaEvent, now: Date, timeouts: SagaTimeouts): AdvanceResult {
  const current = orderSagaMachine.resolveState(saga.snapshot as Parameters<typeof orderSagaMachine.resolveState>[0]);
  const [next, actions] = transition(orderSagaMachine, current, event);
  if (next === current) return { changed: false };
  const before = viewSaga(current);
  const after = viewSaga(next as SagaSnapshot);
  const { stepDeadlineAt, deadlineAt } = deadlines(after, now, timeouts, saga.deadlineAt);
  const statements = [
    `update order_sagas set status = ${literal(after.status)}, current_step = ${literal(after.currentStep)},
      history = ${jsonLiteral(next.context.history)}, snapshot = ${jsonLiteral(orderSagaMachine.getPersistedSnapshot(next))},
      version = version + 1, updated_at = ${literal(now)}, completed_at = ${literal(after.terminal ? now : null)},
      step_deadline_at = ${literal(stepDeadlineAt)}, deadline_at = ${literal(deadlineAt)}
      where id = ${literal(saga.id)}`,
  ];
  if (after.orderStatus !== before.orderStatus) {
    statements.push(`update orders set status = ${literal(after.orderStatus)}, updated_at = ${literal(now)} where id = ${literal(orderId)}`);
  }
  const progress = {
    history: next.context.history,
    added: next.context.history.length - current.context.history.length,
    status: after.status,
    terminal: after.terminal,
    createdAt: saga.createdAt,
    now,
  };
  return { changed: true, statements, messages: messagesOf(actions, orderId), status: after.status, progress };
}
