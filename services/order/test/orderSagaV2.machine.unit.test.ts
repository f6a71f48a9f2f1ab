import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { buildSagaMachine, type SagaMessage } from '@saga/shared';
import { orderSagaV2, type OrderSagaInputV2 } from '../src/domain/orderSaga.definition';
import { ADDRESS, DIGITAL_ORDER, EVENTS, SHIPPED_ORDER, type EventName } from './orderSagaFixtures';

// What version 2 of the order saga adds to version 1: ScheduleShipping for orders with an
// address, skipped (and said so) for the others, and CancelShipment first when undoing.

const machine = buildSagaMachine(orderSagaV2);
type Snapshot = SnapshotFrom<typeof machine>;

const address = ADDRESS;
const shipped = SHIPPED_ORDER;
const digital = DIGITAL_ORDER;
const events = EVENTS;

function run(input: OrderSagaInputV2, ...path: EventName[]): { snapshot: Snapshot; sent: SagaMessage[] } {
  let [snapshot, actions] = initialTransition(machine, input);
  const sent: SagaMessage[] = [];
  const collect = () => sent.push(...actions.filter((a) => a.type === 'send').map((a) => a.params as SagaMessage));
  collect();
  for (const type of path) {
    const restored = machine.resolveState(JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot))));
    [snapshot, actions] = transition(machine, restored, events[type]);
    collect();
  }
  return { snapshot, sent };
}

const types = (sent: SagaMessage[]) => sent.map((m) => m.contract.messageType.replace('domain.order.', ''));
const lines = (snapshot: Snapshot) => snapshot.context.history.map((h) => `${h.step}:${h.status}:${h.message}`);
const paid: EventName[] = ['InventoryValidated', 'InventoryReserved', 'PaymentProcessed'];

describe('order saga version 2: shipping', () => {
  it('given an address, when the payment is processed, it schedules shipping of the order lines to it, then completes', () => {
    const scheduling = run(shipped, ...paid);
    expect(scheduling.snapshot.value).toBe('ScheduleShipping');
    expect(scheduling.sent.at(-1)!.body).toEqual({ orderId: shipped.orderId, items: shipped.items, address });
    const done = run(shipped, ...paid, 'ShipmentScheduled');
    expect(done.snapshot.value).toBe('Completed');
    expect(types(done.sent)).toEqual(['ValidateInventory', 'ReserveInventory', 'ProcessPayment', 'ScheduleShipping', 'OrderCompleted']);
    expect(lines(done.snapshot).at(-1)).toBe('ScheduleShipping:Completed:Shipment scheduled with DHL: DHL9A2C3D4E5F60');
  });

  it('given no address (digital goods), it completes after the payment and its history says shipping was skipped', () => {
    const done = run(digital, ...paid);
    expect(done.snapshot.value).toBe('Completed');
    expect(types(done.sent)).toEqual(['ValidateInventory', 'ReserveInventory', 'ProcessPayment', 'OrderCompleted']);
    expect(lines(done.snapshot)).toEqual([
      'ValidateInventory:Completed:Inventory available',
      'ReserveInventory:Completed:Inventory reserved',
      'ProcessPayment:Completed:Payment processed: 2599.98',
      'ScheduleShipping:Skipped:No shipping address (digital goods): nothing to ship',
    ]);
  });

  it('when shipping is refused after the payment, it refunds the payment, then releases the inventory, and ends Compensated with the refusal', () => {
    const done = run(shipped, ...paid, 'ShipmentSchedulingFailed', 'PaymentRefunded', 'InventoryReleased');
    expect(done.snapshot.value).toBe('Compensated');
    expect(types(done.sent).slice(3)).toEqual(['ScheduleShipping', 'RefundPayment', 'ReleaseInventory', 'OrderFailed']);
    expect(done.sent.at(-1)!.body).toMatchObject({ reason: 'We do not ship to AQ' });
    expect(lines(done.snapshot).slice(3)).toEqual([
      'ScheduleShipping:Failed:We do not ship to AQ',
      'RefundPayment:Completed:Payment refunded: 2599.98',
      'ReleaseInventory:Completed:Inventory released (2 units)',
    ]);
  });

  it('when ScheduleShipping gets no reply in time, it cancels the shipment (in case it was made), refunds, then releases: three levels, in reverse', () => {
    const done = run(shipped, ...paid, 'DeadlinePassed', 'ShipmentCancelled', 'PaymentRefunded', 'InventoryReleased');
    expect(done.snapshot.value).toBe('Compensated');
    expect(types(done.sent).slice(3)).toEqual(['ScheduleShipping', 'CancelShipment', 'RefundPayment', 'ReleaseInventory', 'OrderFailed']);
    expect(done.sent.find((m) => m.contract.messageType === 'domain.order.CancelShipment')!.body).toEqual({ orderId: shipped.orderId });
  });

  it('when a payment fails, there is no shipment to cancel', () => {
    const done = run(shipped, 'InventoryValidated', 'InventoryReserved', 'PaymentFailed', 'InventoryReleased');
    expect(types(done.sent)).not.toContain('CancelShipment');
    expect(done.snapshot.value).toBe('Compensated');
  });

});

describe('order saga version 2, every state x event (an order with an address)', () => {
  const refused: EventName[] = [...paid, 'ShipmentSchedulingFailed'];
  const fixtures: Array<{ name: string; path: EventName[]; moves: Partial<Record<EventName, [state: string, sends: string]>> }> = [
    { name: 'validating inventory', path: [], moves: { InventoryValidated: ['ReserveInventory', 'ReserveInventory'], InventoryValidationFailed: ['Failed', 'OrderFailed'], DeadlinePassed: ['Failed', 'OrderFailed'] } },
    {
      name: 'reserving inventory',
      path: ['InventoryValidated'],
      moves: { InventoryReserved: ['ProcessPayment', 'ProcessPayment'], InventoryReservationFailed: ['Failed', 'OrderFailed'], DeadlinePassed: ['Compensating', 'ReleaseInventory'] },
    },
    {
      name: 'processing payment',
      path: ['InventoryValidated', 'InventoryReserved'],
      moves: { PaymentProcessed: ['ScheduleShipping', 'ScheduleShipping'], PaymentFailed: ['Compensating', 'ReleaseInventory'], DeadlinePassed: ['Compensating', 'RefundPayment'] },
    },
    {
      name: 'scheduling shipping',
      path: paid,
      moves: { ShipmentScheduled: ['Completed', 'OrderCompleted'], ShipmentSchedulingFailed: ['Compensating', 'RefundPayment'], DeadlinePassed: ['Compensating', 'CancelShipment'] },
    },
    { name: 'cancelling the shipment', path: [...paid, 'DeadlinePassed'], moves: { ShipmentCancelled: ['Compensating', 'RefundPayment'], DeadlinePassed: ['Compensating', 'CancelShipment'] } },
    { name: 'refunding after a refused shipment', path: refused, moves: { PaymentRefunded: ['Compensating', 'ReleaseInventory'], DeadlinePassed: ['Compensating', 'RefundPayment'] } },
    { name: 'releasing after the refund', path: [...refused, 'PaymentRefunded'], moves: { InventoryReleased: ['Compensated', 'OrderFailed'], DeadlinePassed: ['Compensating', 'ReleaseInventory'] } },
    { name: 'completed', path: [...paid, 'ShipmentScheduled'], moves: {} },
    { name: 'failed', path: ['InventoryValidationFailed'], moves: {} },
    { name: 'compensated', path: [...refused, 'PaymentRefunded', 'InventoryReleased'], moves: {} },
  ];
  for (const fixture of fixtures) {
    for (const type of Object.keys(events) as EventName[]) {
      const expected = fixture.moves[type];
      it(`when ${fixture.name} and ${type} arrives, ${expected ? `it moves to ${expected[0]} and sends ${expected[1]}` : 'nothing changes (duplicate or late)'}`, () => {
        const before = run(shipped, ...fixture.path).snapshot;
        const [next, actions] = transition(machine, before, events[type]);
        if (expected) {
          expect(next.value).toBe(expected[0]);
          expect(types(actions.filter((a) => a.type === 'send').map((a) => a.params as SagaMessage))).toEqual([expected[1]]);
        } else {
          expect(next).toBe(before);
          expect(actions).toEqual([]);
        }
      });
    }
  }
});
