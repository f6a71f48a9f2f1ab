import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import {
  assignFrom, insertRows, message, prepared,
  type HistoryEntry, type OutgoingMessage, type Placeholders, type Runtime, type SagaContext, type SagaEvent, type SagaMessage, type SagaState, type SagaVersions, type SendContext, type Statement, type TraceHeaders,
} from '@saga/shared';
import { orderSagas, orders } from '../db/schema';
import type { OrderSagaInput } from '../domain/orderSaga.definition';
import { lifecycleOf, type LifecycleEvent } from '../domain/lifecycle';
import { orderStatusOf, type OrderStatus } from '../domain/sagaView';
import type { SagaTimeouts } from '../settings';
import { journalSagaChange } from './sagaJournal';

/** What a transition needs of a stored saga row. */
export interface StoredSaga {
  id: string;
  /** The step or compensation under way. */
  currentStep: string;
  snapshot: unknown;
  deadlineAt: Date | null;
  createdAt: Date;
  /** The version of the saga definition its snapshot is on. */
  definitionVersion: number;
  /** The row's version: one more with each change. */
  version: number;
  /** The traceparent of the order's trace, if it has one. */
  traceContext: string | null;
}

const stored = {
  id: orderSagas.id,
  currentStep: orderSagas.currentStep,
  snapshot: orderSagas.snapshot,
  deadlineAt: orderSagas.deadlineAt,
  createdAt: orderSagas.createdAt,
  definitionVersion: orderSagas.definitionVersion,
  version: orderSagas.version,
  traceContext: orderSagas.traceContext,
};

/** The saga is on one of `versions` (a placeholder for a list of version numbers). */
export const onVersions = (versions: unknown) => sql`${orderSagas.definitionVersion} = any(${versions})`;

/** Reads and row-locks an order's saga (with BEGIN). */
export const lockSaga = prepared('order_lock_saga', (db, p: Placeholders<{ orderId: string }>) =>
  db.select(stored).from(orderSagas).where(eq(orderSagas.orderId, p.orderId)).for('update'),
);

/** The same, only if one of its deadlines has passed by `dueAt`, its version is one of `versions` and it is not parked, skipping it if another transaction holds it (the deadline sweeper). */
export const lockDueSaga = prepared('order_lock_due_saga', (db, p: Placeholders<{ orderId: string; dueAt: Date; versions: number[] }>) =>
  db
    .select(stored)
    .from(orderSagas)
    .where(
      and(
        eq(orderSagas.orderId, p.orderId),
        or(lte(orderSagas.stepDeadlineAt, p.dueAt), lte(orderSagas.deadlineAt, p.dueAt)),
        onVersions(p.versions),
        isNull(orderSagas.parkedAt),
      ),
    )
    .for('update', { skipLocked: true }),
);

const insertSaga = insertRows('order_insert_saga', orderSagas, [
  'id', 'orderId', 'definitionVersion', 'status', 'currentStep', 'history', 'snapshot', 'version', 'createdAt', 'updatedAt', 'stepDeadlineAt', 'deadlineAt', 'traceContext',
], 1);

type SagaChange = Required<
  Pick<typeof orderSagas.$inferInsert, 'definitionVersion' | 'status' | 'currentStep' | 'history' | 'snapshot' | 'updatedAt' | 'completedAt' | 'stepDeadlineAt' | 'deadlineAt'>
>;

const saveSaga = prepared('order_save_saga', (db, p: Placeholders<SagaChange & { id: string }>) =>
  db
    .update(orderSagas)
    .set({
      ...assignFrom(orderSagas, ['definitionVersion', 'status', 'currentStep', 'history', 'snapshot', 'updatedAt', 'completedAt', 'stepDeadlineAt', 'deadlineAt']),
      version: sql`${orderSagas.version} + 1`,
      parkedAt: null, // advanced by a build that knows its version, with fresh deadlines: its clock runs
    })
    .where(eq(orderSagas.id, p.id)),
);

const setOrderStatus = prepared('order_set_status', (db, p: Placeholders<{ id: string; status: OrderStatus; updatedAt: Date }>) =>
  db.update(orders).set(assignFrom(orders, ['status', 'updatedAt'])).where(eq(orders.id, p.id)),
);

/** Where the order service's own messages about an order come from: no message caused them (a request, a deadline), in the order's trace. */
export const orderSendContext = (orderId: string, runtime: Runtime, trace?: TraceHeaders): SendContext => ({
  source: 'order',
  correlationId: orderId,
  causationId: null,
  conversationId: orderId,
  runtime,
  ...(trace ? { trace } : {}),
});

/** The outbox messages a transition asked for, in order. */
const messagesOf = (messages: readonly SagaMessage[], orderId: string): OutgoingMessage[] =>
  messages.map(({ contract, body }) => message(contract, body, { type: 'order', id: orderId }));

const later = (now: Date, ms: number) => new Date(now.getTime() + ms);

/**
 * Deadlines after a change: every non-final state gets a fresh step deadline (the step's
 * own on the saga's version, or the default); the saga's overall deadline stops applying
 * once it compensates (compensation must finish).
 */
function deadlines(versions: SagaVersions<OrderSagaInput>, version: number, saga: SagaState, now: Date, timeouts: SagaTimeouts, deadlineAt: Date | null) {
  if (saga.terminal) return { stepDeadlineAt: null, deadlineAt: null };
  return {
    stepDeadlineAt: later(now, versions.stepDeadlineMs(version, saga.currentStep, timeouts.stepMs)),
    deadlineAt: saga.status === 'Compensating' ? null : deadlineAt,
  };
}

/**
 * A new order's saga, on the current version: the statements that create its row (with the
 * order's trace, for the work no message starts) and journal it as order.created (for the
 * order's transaction, with its COMMIT), and its first messages.
 */
export function startOrderSaga(
  versions: SagaVersions<OrderSagaInput>,
  input: OrderSagaInput,
  sagaId: string,
  now: Date,
  timeouts: SagaTimeouts,
  trace: TraceHeaders | undefined,
): { statements: Statement[]; messages: OutgoingMessage[] } {
  const { version, after, snapshot, messages } = versions.start(input);
  const created = journalSagaChange({
    orderId: input.orderId,
    sagaId,
    version: 1,
    definitionVersion: version,
    status: after.status,
    currentStep: after.currentStep,
    orderStatus: orderStatusOf(after),
    entries: after.context.history,
    lifecycle: [{ type: 'order.created' }, ...lifecycleOf({ status: 'Started' }, after, after.context.history)],
    at: now,
  });
  const row = insertSaga([
    {
      id: sagaId,
      orderId: input.orderId,
      definitionVersion: version,
      status: after.status,
      currentStep: after.currentStep,
      history: after.context.history,
      snapshot,
      version: 1,
      createdAt: now,
      updatedAt: now,
      ...deadlines(versions, version, after, now, timeouts, later(now, timeouts.sagaMs)),
      traceContext: trace?.traceparent ?? null,
    },
  ]);
  return { statements: [row, created], messages: messagesOf(messages, input.orderId) };
}

/** What one committed transition did, for the metrics. */
export interface SagaProgress {
  history: HistoryEntry[];
  /** How many entries at the end of `history` this transition added. */
  added: number;
  status: SagaState['status'];
  terminal: boolean;
  createdAt: Date;
  now: Date;
  /** The refusal code of the reply that caused it, if any (bounded values). */
  failureCode?: string;
}

export type Transition =
  | { changed: false; why: 'not-expected' | 'unknown-version' }
  | {
      changed: true;
      /** The saga row's new values, and the order's new status if it changed. */
      change: SagaChange & { id: string };
      orderStatus?: OrderStatus;
      /** What the change announces (journaled, and sent to webhook subscribers). */
      lifecycle: LifecycleEvent[];
      /** Save them (to send with COMMIT). */
      writes: Statement[];
      messages: OutgoingMessage[];
      status: SagaState['status'];
      progress: SagaProgress;
    };

/** Makes the event for the saga's version (once migrated), from its input; undefined when that version takes no such event. */
export type EventFor = (version: number, input: SagaContext<OrderSagaInput>) => SagaEvent | undefined;

/**
 * Applies one event to a saga read (and locked) by `lockSaga`: the snapshot is restored
 * by the machine of its own version (migrated first if its version says so) and the
 * transition computed purely. Returns the writes that store the change and the messages
 * to enqueue, both for the caller's transaction. An event the current state does not
 * expect (a duplicate or late reply) changes nothing; a version this code does not know
 * is not read at all.
 */
export function transitionSaga(
  versions: SagaVersions<OrderSagaInput>,
  saga: StoredSaga,
  orderId: string,
  eventFor: EventFor,
  now: Date,
  timeouts: SagaTimeouts,
): Transition {
  let event: SagaEvent | undefined;
  const applied = versions.apply(
    saga.definitionVersion,
    saga.snapshot,
    (version, input) => (event = eventFor(version, input)),
    now.toISOString(),
  );
  if (applied.kind === 'unknown-version') return { changed: false, why: 'unknown-version' };
  if (applied.kind === 'not-expected') return { changed: false, why: 'not-expected' };
  const { before, after } = applied;
  const change = {
    id: saga.id,
    definitionVersion: applied.version,
    status: after.status,
    currentStep: after.currentStep,
    history: after.context.history,
    snapshot: applied.snapshot,
    updatedAt: now,
    completedAt: after.terminal ? now : null,
    ...deadlines(versions, applied.version, after, now, timeouts, saga.deadlineAt),
  };
  const orderStatus = orderStatusOf(after) !== orderStatusOf(before) ? orderStatusOf(after) : undefined;
  const added = after.context.history.slice(before.context.history.length);
  const lifecycle = lifecycleOf(before, after, added);
  const journaled = journalSagaChange({
    orderId,
    sagaId: saga.id,
    version: saga.version + 1,
    definitionVersion: applied.version,
    status: after.status,
    currentStep: after.currentStep,
    orderStatus: orderStatusOf(after),
    entries: added,
    lifecycle,
    at: now,
  });
  const writes = [saveSaga(change), ...(orderStatus ? [setOrderStatus({ id: orderId, status: orderStatus, updatedAt: now })] : []), journaled];
  const progress: SagaProgress = {
    history: after.context.history,
    added: after.context.history.length - before.context.history.length,
    status: after.status,
    terminal: after.terminal,
    createdAt: saga.createdAt,
    now,
    ...(event && 'outcome' in event && event.outcome === 'failed' ? { failureCode: event.code } : {}),
  };
  return { changed: true, change, ...(orderStatus ? { orderStatus } : {}), lifecycle, writes, messages: messagesOf(applied.messages, orderId), status: after.status, progress };
}
