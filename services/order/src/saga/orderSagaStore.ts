import { eq, sql } from 'drizzle-orm';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { message, preparedOn, type Executor, type OutgoingMessage, type Runtime } from '@saga/shared';
import { orderSagas, orders } from '../db/schema';
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

// Run for every reply, so prepared once per connection (jsonb placeholders take JSON text).
const lockSaga = preparedOn((db) =>
  db.select().from(orderSagas).where(eq(orderSagas.orderId, sql.placeholder('orderId'))).for('update').prepare('order_saga_lock'),
);
const saveSaga = preparedOn((db) =>
  db
    .update(orderSagas)
    .set({
      status: sql`${sql.placeholder('status')}`,
      currentStep: sql`${sql.placeholder('currentStep')}`,
      history: sql`${sql.placeholder('history')}::jsonb`,
      snapshot: sql`${sql.placeholder('snapshot')}::jsonb`,
      version: sql`${orderSagas.version} + 1`,
      updatedAt: sql`${sql.placeholder('now')}`,
      completedAt: sql`${sql.placeholder('completedAt')}`,
      stepDeadlineAt: sql`${sql.placeholder('stepDeadlineAt')}`,
      deadlineAt: sql`${sql.placeholder('deadlineAt')}`,
    })
    .where(eq(orderSagas.id, sql.placeholder('id')))
    .prepare('order_saga_save'),
);
const insertSaga = preparedOn((db) =>
  db
    .insert(orderSagas)
    .values({
      id: sql.placeholder('id'),
      orderId: sql.placeholder('orderId'),
      status: sql.placeholder('status'),
      currentStep: sql.placeholder('currentStep'),
      history: sql.placeholder('history'),
      snapshot: sql.placeholder('snapshot'),
      version: 1,
      createdAt: sql.placeholder('now'),
      updatedAt: sql.placeholder('now'),
      stepDeadlineAt: sql.placeholder('stepDeadlineAt'),
      deadlineAt: sql.placeholder('deadlineAt'),
    })
    .prepare('order_saga_insert'),
);
const setOrderStatus = preparedOn((db) =>
  db
    .update(orders)
    .set({ status: sql`${sql.placeholder('status')}`, updatedAt: sql`${sql.placeholder('now')}` })
    .where(eq(orders.id, sql.placeholder('orderId')))
    .prepare('order_status_set'),
);

/**
 * Deadlines after a change: every non-final state gets a fresh step deadline; the
 * saga's overall deadline stops applying once it compensates (compensation must finish).
 */
function deadlines(view: SagaView, now: Date, timeouts: SagaTimeouts, deadlineAt: Date | null) {
  if (view.terminal) return { stepDeadlineAt: null, deadlineAt: null };
  return { stepDeadlineAt: later(now, timeouts.stepMs), deadlineAt: view.status === 'Compensating' ? null : deadlineAt };
}

/** Creates the saga row of a new order (on the order's transaction) and returns its first messages. */
export async function startOrderSaga(
  tx: Executor,
  input: OrderSagaInput,
  runtime: Runtime,
  timeouts: SagaTimeouts,
): Promise<OutgoingMessage[]> {
  const [snapshot, actions] = initialTransition(orderSagaMachine, input);
  const view = viewSaga(snapshot);
  const now = runtime.now();
  await insertSaga(tx).execute({
    id: runtime.newId(),
    orderId: input.orderId,
    status: view.status,
    currentStep: view.currentStep,
    history: snapshot.context.history,
    snapshot: orderSagaMachine.getPersistedSnapshot(snapshot),
    now,
    ...deadlines(view, now, timeouts, later(now, timeouts.sagaMs)),
  });
  return messagesOf(actions, input.orderId);
}

export type AdvanceResult =
  | { changed: false }
  | { changed: true; messages: OutgoingMessage[]; status: string; progress: Omit<SagaProgress, 'failureCode'> };

/**
 * Applies one event to an order's saga on the caller's transaction: the row is
 * locked, the snapshot restored, the transition computed purely, and the new
 * snapshot, history, status and order status written back. Returns the messages
 * to enqueue on the same transaction. An event the current state does not expect
 * (a duplicate or late reply) changes nothing.
 */
export async function advanceOrderSaga(
  tx: Executor,
  orderId: string,
  event: OrderSagaEvent,
  now: Date,
  timeouts: SagaTimeouts,
): Promise<AdvanceResult> {
  const [row] = await lockSaga(tx).execute({ orderId });
  if (!row) throw new Error(`No saga for order ${orderId}`);
  const current = orderSagaMachine.resolveState(row.snapshot as Parameters<typeof orderSagaMachine.resolveState>[0]);
  const [next, actions] = transition(orderSagaMachine, current, event);
  if (next === current) return { changed: false };
  const before = viewSaga(current);
  const after = viewSaga(next as SagaSnapshot);
  await saveSaga(tx).execute({
    id: row.id,
    status: after.status,
    currentStep: after.currentStep,
    history: JSON.stringify(next.context.history),
    snapshot: JSON.stringify(orderSagaMachine.getPersistedSnapshot(next)),
    now,
    completedAt: after.terminal ? now : null,
    ...deadlines(after, now, timeouts, row.deadlineAt),
  });
  if (after.orderStatus !== before.orderStatus) await setOrderStatus(tx).execute({ orderId, status: after.orderStatus, now });
  const progress = {
    history: next.context.history,
    added: next.context.history.length - current.context.history.length,
    status: after.status,
    terminal: after.terminal,
    createdAt: row.createdAt,
    now,
  };
  return { changed: true, messages: messagesOf(actions, orderId), status: after.status, progress };
}
