import { and, eq, lte, or, sql } from 'drizzle-orm';
import { initialTransition, transition } from 'xstate';
import { assignFrom, insertRows, message, prepared, stepDeadlineMs, type HistoryEntry, type OutgoingMessage, type Placeholders, type Runtime, type SendContext, type SagaEvent, type SagaMessage, type Statement } from '@saga/shared';
import { orderSagas, orders } from '../db/schema';
import { orderSaga } from '../domain/orderSaga.definition';
import { orderSagaMachine, type OrderSagaInput } from '../domain/orderSaga.machine';
import { viewSaga, type SagaView } from '../domain/sagaView';
import type { SagaTimeouts } from '../settings';

type SagaSnapshot = ReturnType<typeof initialTransition<typeof orderSagaMachine>>[0];
type SagaActions = ReturnType<typeof transition<typeof orderSagaMachine>>[1];

/** What a transition needs of a stored saga row. */
export interface StoredSaga {
  id: string;
  /** The step or compensation under way. */
  currentStep: string;
  snapshot: unknown;
  deadlineAt: Date | null;
  createdAt: Date;
}

const stored = { id: orderSagas.id, currentStep: orderSagas.currentStep, snapshot: orderSagas.snapshot, deadlineAt: orderSagas.deadlineAt, createdAt: orderSagas.createdAt };

/** Reads and row-locks an order's saga (with BEGIN). */
export const lockSaga = prepared('order_lock_saga', (db, p: Placeholders<{ orderId: string }>) =>
  db.select(stored).from(orderSagas).where(eq(orderSagas.orderId, p.orderId)).for('update'),
);

/** The same, only if one of its deadlines has passed by `dueAt`, skipping it if another transaction holds it (the deadline sweeper). */
export const lockDueSaga = prepared('order_lock_due_saga', (db, p: Placeholders<{ orderId: string; dueAt: Date }>) =>
  db
    .select(stored)
    .from(orderSagas)
    .where(and(eq(orderSagas.orderId, p.orderId), or(lte(orderSagas.stepDeadlineAt, p.dueAt), lte(orderSagas.deadlineAt, p.dueAt))))
    .for('update', { skipLocked: true }),
);

const insertSaga = insertRows('order_insert_saga', orderSagas, [
  'id', 'orderId', 'status', 'currentStep', 'history', 'snapshot', 'version', 'createdAt', 'updatedAt', 'stepDeadlineAt', 'deadlineAt',
], 1);

type SagaChange = Required<Pick<typeof orderSagas.$inferInsert, 'status' | 'currentStep' | 'history' | 'snapshot' | 'updatedAt' | 'completedAt' | 'stepDeadlineAt' | 'deadlineAt'>>;

const saveSaga = prepared('order_save_saga', (db, p: Placeholders<SagaChange & { id: string }>) =>
  db
    .update(orderSagas)
    .set({
      ...assignFrom(orderSagas, ['status', 'currentStep', 'history', 'snapshot', 'updatedAt', 'completedAt', 'stepDeadlineAt', 'deadlineAt']),
      version: sql`${orderSagas.version} + 1`,
    })
    .where(eq(orderSagas.id, p.id)),
);

const setOrderStatus = prepared('order_set_status', (db, p: Placeholders<{ id: string; status: 'Pending' | 'Completed' | 'Failed'; updatedAt: Date }>) =>
  db.update(orders).set(assignFrom(orders, ['status', 'updatedAt'])).where(eq(orders.id, p.id)),
);

/** Where the order service's own messages about an order come from: no message caused them (a request, a deadline). */
export const orderSendContext = (orderId: string, runtime: Runtime): SendContext => ({
  source: 'order',
  correlationId: orderId,
  causationId: null,
  conversationId: orderId,
  runtime,
});

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
 * Deadlines after a change: every non-final state gets a fresh step deadline (the step's
 * own, or the default); the saga's overall deadline stops applying once it compensates
 * (compensation must finish).
 */
function deadlines(view: SagaView, now: Date, timeouts: SagaTimeouts, deadlineAt: Date | null) {
  if (view.terminal) return { stepDeadlineAt: null, deadlineAt: null };
  return {
    stepDeadlineAt: later(now, stepDeadlineMs(orderSaga, view.currentStep, timeouts.stepMs)),
    deadlineAt: view.status === 'Compensating' ? null : deadlineAt,
  };
}

/** A new order's saga: the statement that creates its row (for the order's transaction, with its COMMIT) and its first messages. */
export function startOrderSaga(input: OrderSagaInput, sagaId: string, now: Date, timeouts: SagaTimeouts): { statement: Statement; messages: OutgoingMessage[] } {
  const [snapshot, actions] = initialTransition(orderSagaMachine, input);
  const view = viewSaga(snapshot);
  const { stepDeadlineAt, deadlineAt } = deadlines(view, now, timeouts, later(now, timeouts.sagaMs));
  const statement = insertSaga([
    {
      id: sagaId,
      orderId: input.orderId,
      status: view.status,
      currentStep: view.currentStep,
      history: snapshot.context.history,
      snapshot: orderSagaMachine.getPersistedSnapshot(snapshot),
      version: 1,
      createdAt: now,
      updatedAt: now,
      stepDeadlineAt,
      deadlineAt,
    },
  ]);
  return { statement, messages: messagesOf(actions, input.orderId) };
}

/** What one committed transition did, for the metrics. */
export interface SagaProgress {
  history: HistoryEntry[];
  /** How many entries at the end of `history` this transition added. */
  added: number;
  status: SagaView['status'];
  terminal: boolean;
  createdAt: Date;
  now: Date;
  /** The refusal code of the reply that caused it, if any (bounded values). */
  failureCode?: string;
}

export type Transition =
  | { changed: false }
  | {
      changed: true;
      /** The saga row's new values, and the order's new status if it changed. */
      change: SagaChange & { id: string };
      orderStatus?: SagaView['orderStatus'];
      /** Save them (to send with COMMIT). */
      writes: Statement[];
      messages: OutgoingMessage[];
      status: SagaView['status'];
      progress: SagaProgress;
    };

/** The saga's input, as its stored snapshot holds it. */
export function inputOf(saga: StoredSaga): OrderSagaInput {
  return (saga.snapshot as { context: OrderSagaInput }).context;
}

/**
 * Applies one event to a saga read (and locked) by `lockSaga`: the snapshot is restored
 * and the transition computed purely. Returns the writes that store the change and the
 * messages to enqueue, both for the caller's transaction. An event the current state
 * does not expect (a duplicate or late reply) changes nothing.
 */
export function transitionSaga(saga: StoredSaga, orderId: string, event: SagaEvent, now: Date, timeouts: SagaTimeouts): Transition {
  const current = orderSagaMachine.resolveState(saga.snapshot as Parameters<typeof orderSagaMachine.resolveState>[0]);
  const [next, actions] = transition(orderSagaMachine, current, event);
  if (next === current) return { changed: false };
  const before = viewSaga(current);
  const after = viewSaga(next as SagaSnapshot);
  const change = {
    id: saga.id,
    status: after.status,
    currentStep: after.currentStep,
    history: next.context.history,
    snapshot: orderSagaMachine.getPersistedSnapshot(next),
    updatedAt: now,
    completedAt: after.terminal ? now : null,
    ...deadlines(after, now, timeouts, saga.deadlineAt),
  };
  const orderStatus = after.orderStatus !== before.orderStatus ? after.orderStatus : undefined;
  const writes = [saveSaga(change), ...(orderStatus ? [setOrderStatus({ id: orderId, status: orderStatus, updatedAt: now })] : [])];
  const progress: SagaProgress = {
    history: next.context.history,
    added: next.context.history.length - current.context.history.length,
    status: after.status,
    terminal: after.terminal,
    createdAt: saga.createdAt,
    now,
    ...('outcome' in event && event.outcome === 'failed' ? { failureCode: event.code } : {}),
  };
  return { changed: true, change, ...(orderStatus ? { orderStatus } : {}), writes, messages: messagesOf(actions, orderId), status: after.status, progress };
}
