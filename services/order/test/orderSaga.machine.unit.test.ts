import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { buildSagaMachine, sagaOutputs, type SagaMessage } from '@saga/shared';
import { orderSagaV1 as orderSaga } from '../src/domain/orderSaga.definition';
import { orderSagaVersions } from '../src/domain/orderSaga.versions';
import { orderStatusOf } from '../src/domain/sagaView';
import { AT, EVENTS, ORDER_V1 } from './orderSagaFixtures';

// Version 1 of the order saga (validate, reserve, charge), every state x event; what
// version 2 adds (shipping) is in orderSagaV2.machine.unit.test.ts.

const orderSagaMachine = buildSagaMachine(orderSaga);
const orderSagaOutputs = sagaOutputs(orderSaga);
type Snapshot = SnapshotFrom<typeof orderSagaMachine>;

/** What the saga row shows of a snapshot: the saga's status, the step under way, the order's status. */
function viewSaga(snapshot: Snapshot) {
  const { status, currentStep, terminal } = orderSagaVersions().view(1, orderSagaMachine.getPersistedSnapshot(snapshot))!;
  return { status, currentStep, orderStatus: orderStatusOf({ status, terminal }), terminal };
}

const input = ORDER_V1;
const at = AT;
// Version 2's shipping replies are among them: a version-1 saga takes none of them.
const events = EVENTS;
type EventName = keyof typeof events;

/** Drives the machine from its start through `path`, persisting and restoring the snapshot between events as the handler does. */
function reach(...path: EventName[]): Snapshot {
  let [snapshot] = initialTransition(orderSagaMachine, input);
  for (const type of path) {
    const restored = orderSagaMachine.resolveState(JSON.parse(JSON.stringify(orderSagaMachine.getPersistedSnapshot(snapshot))));
    [snapshot] = transition(orderSagaMachine, restored, events[type]);
  }
  return snapshot;
}

/** A saga that has reserved inventory and charged payment, then must undo both (reached by a deadline later on). */
function compensatingBoth(): Snapshot {
  const processing = reach('InventoryValidated', 'InventoryReserved');
  return orderSagaMachine.resolveState({
    value: 'Compensating',
    context: { ...processing.context, compensations: ['ReleaseInventory', 'RefundPayment'], failureReason: 'Timed out' },
  });
}

const sent = (actions: ReturnType<typeof transition<typeof orderSagaMachine>>[1]) =>
  actions.filter((a) => a.type === 'send').map((a) => (a.params as SagaMessage).contract.messageType);

interface Expected {
  state: string;
  sends: string[];
}

const fixtures: Array<{ name: string; snapshot: () => Snapshot; moves: Partial<Record<EventName, Expected>> }> = [
  {
    name: 'validating inventory',
    snapshot: () => reach(),
    moves: {
      InventoryValidated: { state: 'ReserveInventory', sends: ['domain.order.ReserveInventory'] },
      InventoryValidationFailed: { state: 'Failed', sends: ['domain.order.OrderFailed'] },
      DeadlinePassed: { state: 'Failed', sends: ['domain.order.OrderFailed'] },
    },
  },
  {
    name: 'reserving inventory',
    snapshot: () => reach('InventoryValidated'),
    moves: {
      InventoryReserved: { state: 'ProcessPayment', sends: ['domain.order.ProcessPayment'] },
      InventoryReservationFailed: { state: 'Failed', sends: ['domain.order.OrderFailed'] },
      DeadlinePassed: { state: 'Compensating', sends: ['domain.order.ReleaseInventory'] },
    },
  },
  {
    name: 'processing payment',
    snapshot: () => reach('InventoryValidated', 'InventoryReserved'),
    moves: {
      PaymentProcessed: { state: 'Completed', sends: ['domain.order.OrderCompleted'] },
      PaymentFailed: { state: 'Compensating', sends: ['domain.order.ReleaseInventory'] },
      DeadlinePassed: { state: 'Compensating', sends: ['domain.order.RefundPayment'] },
    },
  },
  {
    name: 'releasing inventory',
    snapshot: () => reach('InventoryValidated', 'InventoryReserved', 'PaymentFailed'),
    moves: {
      InventoryReleased: { state: 'Compensated', sends: ['domain.order.OrderFailed'] },
      DeadlinePassed: { state: 'Compensating', sends: ['domain.order.ReleaseInventory'] },
    },
  },
  {
    name: 'refunding payment before releasing inventory',
    snapshot: compensatingBoth,
    moves: {
      PaymentRefunded: { state: 'Compensating', sends: ['domain.order.ReleaseInventory'] },
      DeadlinePassed: { state: 'Compensating', sends: ['domain.order.RefundPayment'] },
    },
  },
  { name: 'completed', snapshot: () => reach('InventoryValidated', 'InventoryReserved', 'PaymentProcessed'), moves: {} },
  { name: 'failed', snapshot: () => reach('InventoryValidationFailed'), moves: {} },
  {
    name: 'compensated',
    snapshot: () => reach('InventoryValidated', 'InventoryReserved', 'PaymentFailed', 'InventoryReleased'),
    moves: {},
  },
];

describe('order saga, every state x event', () => {
  for (const fixture of fixtures) {
    for (const type of Object.keys(events) as EventName[]) {
      const expected = fixture.moves[type];
      if (expected) {
        it(`when ${fixture.name} and ${type} arrives, it moves to ${expected.state} and sends ${expected.sends.join(', ')}`, () => {
          const [next, actions] = transition(orderSagaMachine, fixture.snapshot(), events[type]);
          expect(next.value).toBe(expected.state);
          expect(sent(actions)).toEqual(expected.sends);
        });
      } else {
        it(`when ${fixture.name} and ${type} arrives (duplicate or late), nothing changes and nothing is sent`, () => {
          const before = fixture.snapshot();
          const [next, actions] = transition(orderSagaMachine, before, events[type]);
          expect(next).toBe(before);
          expect(actions).toEqual([]);
        });
      }
    }
  }
});

describe('order saga outputs', () => {
  it('sends only the messages it declares', () => {
    const declared = [...orderSagaOutputs.commands, ...orderSagaOutputs.events].map((c) => c.messageType);
    const seen = new Set(sent(initialTransition(orderSagaMachine, input)[1]));
    for (const fixture of fixtures) {
      for (const event of Object.values(events)) {
        sent(transition(orderSagaMachine, fixture.snapshot(), event)[1]).forEach((type) => seen.add(type));
      }
    }
    expect([...seen].sort()).toEqual(declared.sort());
  });
});

describe('order saga outcomes', () => {
  it('when the saga starts, it sends ValidateInventory with the order lines and shows Started', () => {
    const [snapshot, actions] = initialTransition(orderSagaMachine, input);
    expect(sent(actions)).toEqual(['domain.order.ValidateInventory']);
    expect((actions[0]!.params as SagaMessage).body).toEqual({ orderId: input.orderId, items: input.items });
    expect(viewSaga(snapshot)).toEqual({ status: 'Started', currentStep: 'ValidateInventory', orderStatus: 'Pending', terminal: false });
  });

  it('when every step succeeds, the saga and the order end Completed with a history entry per step', () => {
    const done = reach('InventoryValidated', 'InventoryReserved', 'PaymentProcessed');
    expect(viewSaga(done)).toEqual({ status: 'Completed', currentStep: 'Completed', orderStatus: 'Completed', terminal: true });
    expect(done.context.history).toEqual([
      { step: 'ValidateInventory', status: 'Completed', message: 'Inventory available', timestamp: at },
      { step: 'ReserveInventory', status: 'Completed', message: 'Inventory reserved', timestamp: at },
      { step: 'ProcessPayment', status: 'Completed', message: 'Payment processed: 2599.98', timestamp: at },
    ]);
  });

  it('when payment is declined, inventory is released and the saga ends Compensated with the order Failed', () => {
    const compensating = reach('InventoryValidated', 'InventoryReserved', 'PaymentFailed');
    expect(viewSaga(compensating)).toMatchObject({ status: 'Compensating', currentStep: 'ReleaseInventory', orderStatus: 'Pending' });
    const done = reach('InventoryValidated', 'InventoryReserved', 'PaymentFailed', 'InventoryReleased');
    expect(viewSaga(done)).toEqual({ status: 'Compensated', currentStep: 'Compensated', orderStatus: 'Failed', terminal: true });
    expect(done.context.history.map((h) => `${h.step}:${h.status}:${h.message}`)).toEqual([
      'ValidateInventory:Completed:Inventory available',
      'ReserveInventory:Completed:Inventory reserved',
      'ProcessPayment:Failed:Insufficient funds: balance 10.00, needed 2599.98',
      'ReleaseInventory:Completed:Inventory released (2 units)',
    ]);
  });

  it('when validation fails, the saga ends Failed with nothing to compensate and says why', () => {
    const [done, actions] = transition(orderSagaMachine, reach(), events.InventoryValidationFailed);
    expect(viewSaga(done)).toMatchObject({ status: 'Failed', orderStatus: 'Failed' });
    expect((actions[0]!.params as SagaMessage).body).toMatchObject({ reason: 'Unknown product: 2d6f0a7b' });
  });

  it('when reservation fails, the saga ends Failed without compensation', () => {
    const done = reach('InventoryValidated', 'InventoryReservationFailed');
    expect(viewSaga(done)).toMatchObject({ status: 'Failed', currentStep: 'Failed', orderStatus: 'Failed' });
    expect(done.context.compensations).toEqual([]);
  });

  it('compensates in reverse order of the steps that succeeded', () => {
    const [afterRefund] = transition(orderSagaMachine, compensatingBoth(), events.PaymentRefunded);
    expect(viewSaga(afterRefund).currentStep).toBe('ReleaseInventory');
    const [done] = transition(orderSagaMachine, afterRefund, events.InventoryReleased);
    expect(viewSaga(done).status).toBe('Compensated');
    expect(done.context.history.map((h) => h.step)).toEqual(['ValidateInventory', 'ReserveInventory', 'RefundPayment', 'ReleaseInventory']);
  });

  it('when the payment step times out, the payment is refunded in case it happened, then inventory released', () => {
    const [compensating, actions] = transition(orderSagaMachine, reach('InventoryValidated', 'InventoryReserved'), events.DeadlinePassed);
    expect(viewSaga(compensating)).toMatchObject({ status: 'Compensating', currentStep: 'RefundPayment', orderStatus: 'Pending' });
    expect((actions[0]!.params as SagaMessage).body).toEqual({ orderId: input.orderId, userId: input.userId, amount: '2599.98' });
    expect(compensating.context.history.at(-1)).toEqual({
      step: 'ProcessPayment',
      status: 'TimedOut',
      message: 'No reply to ProcessPayment within 30 s',
      timestamp: at,
    });
    const [refunded] = transition(orderSagaMachine, compensating, events.PaymentRefunded);
    const [done] = transition(orderSagaMachine, refunded, events.InventoryReleased);
    expect(viewSaga(done)).toMatchObject({ status: 'Compensated', orderStatus: 'Failed' });
    expect(done.context.failureReason).toBe('No reply to ProcessPayment within 30 s');
  });

  it('when a compensation gets no reply in time, it is sent again, never dropped', () => {
    const compensating = reach('InventoryValidated', 'InventoryReserved', 'PaymentFailed');
    const [again, actions] = transition(orderSagaMachine, compensating, events.DeadlinePassed);
    expect(sent(actions)).toEqual(['domain.order.ReleaseInventory']);
    expect(again.context.compensations).toEqual(['ReleaseInventory']);
    expect(again.context.history.at(-1)).toMatchObject({ step: 'ReleaseInventory', status: 'TimedOut', message: 'No reply to ReleaseInventory within 30 s; sent again' });
  });

  it("names the saga's overall deadline when that is the one that passed", () => {
    const [failed] = transition(orderSagaMachine, reach(), { type: 'DeadlinePassed', at, deadline: 'saga', afterMs: 300_000 });
    expect(failed.context.history.at(-1)!.message).toBe('Saga deadline of 300 s passed during ValidateInventory');
  });

  it('asks for the order total as the payment amount', () => {
    const [, actions] = transition(orderSagaMachine, reach('InventoryValidated'), events.InventoryReserved);
    expect((actions[0]!.params as SagaMessage).body).toEqual({ orderId: input.orderId, userId: input.userId, amount: '2599.98' });
  });
});
