import { assign, setup } from 'xstate';
import { order, type BodyOf, type Contract, type StockLine } from '@saga/shared/contracts';

/**
 * The order saga as a pure state machine. It never touches a database, a broker,
 * a clock or an id generator: each event carries its time (`at`), and what must be
 * sent comes out as `send` actions that the handler writes to the outbox in the same
 * transaction as the new snapshot.
 *
 * Each step sends its command on entry and waits for a success or failure reply.
 * A step's compensation is pushed when the step succeeds; a failure compensates in
 * reverse order what succeeded, or ends Failed when nothing did. Events a state does
 * not expect (duplicates, late replies) leave the snapshot unchanged.
 *
 * A passing deadline fails the step under way; since its action may still happen (the
 * command may be queued, or done with its reply lost), that step's own compensation is
 * run too, and the services refuse an action that arrives after its compensation.
 * A deadline while compensating sends the compensation again: it is never dropped.
 */

export type StepName = 'ValidateInventory' | 'ReserveInventory' | 'ProcessPayment';
export type CompensationName = 'ReleaseInventory' | 'RefundPayment';
export type SagaStatus = 'Started' | 'InProgress' | 'Completed' | 'Failed' | 'Compensating' | 'Compensated';

export interface HistoryEntry {
  step: StepName | CompensationName;
  status: 'Completed' | 'Failed' | 'TimedOut';
  message: string;
  timestamp: string;
}

export interface OrderSagaInput {
  orderId: string;
  userId: string;
  items: StockLine[];
  totalAmount: string;
}

export interface OrderSagaContext extends OrderSagaInput {
  /** Compensations of the steps that succeeded, the most recent last. */
  compensations: CompensationName[];
  history: HistoryEntry[];
  failureReason: string | null;
}

export type OrderSagaEvent =
  | { type: 'InventoryValidated'; at: string }
  | { type: 'InventoryValidationFailed'; at: string; reason: string }
  | { type: 'InventoryReserved'; at: string }
  | { type: 'InventoryReservationFailed'; at: string; reason: string }
  | { type: 'PaymentProcessed'; at: string; amount: string }
  | { type: 'PaymentFailed'; at: string; reason: string }
  | { type: 'InventoryReleased'; at: string; releasedQuantity: number }
  | { type: 'PaymentRefunded'; at: string; refundedAmount: string }
  /** Found by the deadline sweeper: no reply within the step's time, or the whole saga's. */
  | { type: 'DeadlinePassed'; at: string; deadline: 'step' | 'saga'; afterMs: number };

export interface SagaMessage<C extends Contract = Contract> {
  contract: C;
  body: BodyOf<C>;
}

/** Everything the saga sends: commands to other services and the order's own outcome events. */
export const orderSagaOutputs = {
  commands: [order.ValidateInventory, order.ReserveInventory, order.ProcessPayment, order.ReleaseInventory, order.RefundPayment],
  events: [order.OrderCompleted, order.OrderFailed],
} as const;

const sagaMessage = <C extends Contract>(contract: C, body: BodyOf<C>): SagaMessage => ({ contract, body });

const compensationMessages: Record<CompensationName, (context: OrderSagaContext) => SagaMessage> = {
  ReleaseInventory: (c) => sagaMessage(order.ReleaseInventory, { orderId: c.orderId }),
  RefundPayment: (c) => sagaMessage(order.RefundPayment, { orderId: c.orderId, userId: c.userId, amount: c.totalAmount }),
};

const topCompensation = (context: OrderSagaContext) => context.compensations.at(-1);

export const orderSagaMachine = setup({
  types: {
    input: {} as OrderSagaInput,
    context: {} as OrderSagaContext,
    events: {} as OrderSagaEvent,
  },
  actions: {
    /** Carried out by the handler, which writes the message to the outbox. */
    send: (_, _message: SagaMessage) => undefined,
    record: assign({
      history: ({ context, event }, entry: Omit<HistoryEntry, 'timestamp'>) => [
        ...context.history,
        { ...entry, timestamp: event.at },
      ],
    }),
    pushCompensation: assign({
      compensations: ({ context }, compensation: CompensationName) => [...context.compensations, compensation],
    }),
    popCompensation: assign({ compensations: ({ context }) => context.compensations.slice(0, -1) }),
    fail: assign({ failureReason: (_, reason: string) => reason }),
  },
  guards: {
    hasCompensations: ({ context }) => context.compensations.length > 0,
    compensating: ({ context }, expected: CompensationName) => topCompensation(context) === expected,
    moreCompensations: ({ context }, expected: CompensationName) =>
      topCompensation(context) === expected && context.compensations.length > 1,
  },
}).createMachine({
  id: 'orderSaga',
  context: ({ input }) => ({ ...input, compensations: [], history: [], failureReason: null }),
  initial: 'ValidateInventory',
  states: {
    ValidateInventory: {
      entry: {
        type: 'send',
        params: ({ context }) => sagaMessage(order.ValidateInventory, { orderId: context.orderId, items: context.items }),
      },
      on: {
        InventoryValidated: {
          target: 'ReserveInventory',
          actions: { type: 'record', params: { step: 'ValidateInventory', status: 'Completed', message: 'Inventory available' } },
        },
        InventoryValidationFailed: stepFailed('ValidateInventory'),
        DeadlinePassed: stepTimedOut('ValidateInventory', null),
      },
    },
    ReserveInventory: {
      entry: {
        type: 'send',
        params: ({ context }) => sagaMessage(order.ReserveInventory, { orderId: context.orderId, items: context.items }),
      },
      on: {
        InventoryReserved: {
          target: 'ProcessPayment',
          actions: [
            { type: 'record', params: { step: 'ReserveInventory', status: 'Completed', message: 'Inventory reserved' } },
            { type: 'pushCompensation', params: 'ReleaseInventory' },
          ],
        },
        InventoryReservationFailed: stepFailed('ReserveInventory'),
        DeadlinePassed: stepTimedOut('ReserveInventory', 'ReleaseInventory'),
      },
    },
    ProcessPayment: {
      entry: {
        type: 'send',
        params: ({ context }) =>
          sagaMessage(order.ProcessPayment, {
            orderId: context.orderId,
            userId: context.userId,
            amount: context.totalAmount,
          }),
      },
      on: {
        PaymentProcessed: {
          target: 'Completed',
          actions: [
            {
              type: 'record',
              params: ({ event }) => ({
                step: 'ProcessPayment',
                status: 'Completed',
                message: `Payment processed: ${event.amount}`,
              }),
            },
            { type: 'pushCompensation', params: 'RefundPayment' },
          ],
        },
        PaymentFailed: stepFailed('ProcessPayment'),
        DeadlinePassed: stepTimedOut('ProcessPayment', 'RefundPayment'),
      },
    },
    Compensating: {
      entry: {
        type: 'send',
        params: ({ context }) => compensationMessages[topCompensation(context)!](context),
      },
      on: {
        InventoryReleased: compensationDone('ReleaseInventory', (e) => `Inventory released (${e.releasedQuantity} units)`),
        PaymentRefunded: compensationDone('RefundPayment', (e) => `Payment refunded: ${e.refundedAmount}`),
        DeadlinePassed: {
          target: 'Compensating',
          reenter: true,
          actions: {
            type: 'record',
            params: ({ context, event }) => ({
              step: topCompensation(context)!,
              status: 'TimedOut',
              message: `No reply to ${topCompensation(context)} within ${seconds(event.afterMs)}; sent again`,
            }),
          },
        },
      },
    },
    Completed: {
      type: 'final',
      entry: {
        type: 'send',
        params: ({ context }) =>
          sagaMessage(order.OrderCompleted, {
            orderId: context.orderId,
            userId: context.userId,
            totalAmount: context.totalAmount,
          }),
      },
    },
    Failed: { type: 'final', entry: { type: 'send', params: orderFailed } },
    Compensated: { type: 'final', entry: { type: 'send', params: orderFailed } },
  },
});

function orderFailed({ context }: { context: OrderSagaContext }): SagaMessage {
  return sagaMessage(order.OrderFailed, {
    orderId: context.orderId,
    userId: context.userId,
    reason: context.failureReason ?? 'Order failed',
  });
}

/** A step's failure reply: compensate what succeeded before it, or end Failed if nothing did. */
function stepFailed(step: StepName) {
  const actions = [
    { type: 'fail', params: ({ event }: { event: { reason: string } }) => event.reason },
    {
      type: 'record',
      params: ({ event }: { event: { reason: string } }): Omit<HistoryEntry, 'timestamp'> => ({
        step,
        status: 'Failed',
        message: event.reason,
      }),
    },
  ] as const;
  return [
    { guard: 'hasCompensations', target: 'Compensating', actions },
    { target: 'Failed', actions },
  ] as const;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

function timeoutMessage(step: StepName, event: { deadline: 'step' | 'saga'; afterMs: number }): string {
  return event.deadline === 'step'
    ? `No reply to ${step} within ${seconds(event.afterMs)}`
    : `Saga deadline of ${seconds(event.afterMs)} passed during ${step}`;
}

/**
 * A deadline passed during a step: the step failed, but its action may still happen,
 * so its own compensation (if it has one) joins those of the steps before it.
 */
function stepTimedOut(step: StepName, ownCompensation: CompensationName | null) {
  type TimeoutEvent = { event: { deadline: 'step' | 'saga'; afterMs: number } };
  const actions = [
    { type: 'fail', params: ({ event }: TimeoutEvent) => timeoutMessage(step, event) },
    {
      type: 'record',
      params: ({ event }: TimeoutEvent): Omit<HistoryEntry, 'timestamp'> => ({
        step,
        status: 'TimedOut',
        message: timeoutMessage(step, event),
      }),
    },
    ...(ownCompensation ? [{ type: 'pushCompensation', params: ownCompensation } as const] : []),
  ] as const;
  return ownCompensation
    ? [{ target: 'Compensating', actions }] as const
    : [{ guard: 'hasCompensations', target: 'Compensating', actions }, { target: 'Failed', actions }] as const;
}

/** A compensation's reply: run the next one down the stack, or end Compensated after the last. */
function compensationDone<E extends OrderSagaEvent>(compensation: CompensationName, describe: (event: E) => string) {
  const actions = [
    {
      type: 'record',
      params: ({ event }: { event: E }): Omit<HistoryEntry, 'timestamp'> => ({
        step: compensation,
        status: 'Completed',
        message: describe(event),
      }),
    },
    { type: 'popCompensation' },
  ] as const;
  return [
    { guard: { type: 'moreCompensations', params: compensation }, target: 'Compensating', reenter: true, actions },
    { guard: { type: 'compensating', params: compensation }, target: 'Compensated', actions },
  ] as const;
}
