import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { buildSagaMachine, sagaReplies, type SagaEvent, type SagaMessage } from '@saga/shared';
import { billing, inventory, shipping, type Contract } from '@saga/shared/contracts';
import { orderSagaV2, type OrderSagaInputV2 } from '../src/domain/orderSaga.definition';

// What version 2 of the order saga adds to version 1: ScheduleShipping for orders with an
// address, skipped (and said so) for the others, and CancelShipment first when undoing.

const machine = buildSagaMachine(orderSagaV2);
type Snapshot = SnapshotFrom<typeof machine>;

const address = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const shipped: OrderSagaInputV2 = {
  orderId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  userId: '0b9d7c1e-2f44-4c8a-8e51-9a2c3d4e5f60',
  items: [{ productId: '2d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity: 2 }],
  totalAmount: '2599.98',
  shippingAddress: address,
};
const digital: OrderSagaInputV2 = { ...shipped, shippingAddress: null };
const at = '2026-11-30T10:00:00.000Z';

const replyEvent = (contract: Contract, body: object = {}): SagaEvent =>
  sagaReplies(orderSagaV2).find((reply) => reply.contract === contract)!.toEvent({ orderId: shipped.orderId, ...body }, at);

const events = {
  InventoryValidated: replyEvent(inventory.InventoryValidated),
  InventoryValidationFailed: replyEvent(inventory.InventoryValidationFailed, { reason: 'Unknown product', code: 'unknown_product' }),
  InventoryReserved: replyEvent(inventory.InventoryReserved),
  InventoryReservationFailed: replyEvent(inventory.InventoryReservationFailed, { reason: 'Insufficient stock', code: 'insufficient_stock' }),
  PaymentProcessed: replyEvent(billing.PaymentProcessed, { paymentId: shipped.userId, amount: '2599.98' }),
  PaymentFailed: replyEvent(billing.PaymentFailed, { reason: 'Insufficient funds', code: 'insufficient_funds' }),
  PaymentRefunded: replyEvent(billing.PaymentRefunded, { refundedAmount: '2599.98' }),
  InventoryReleased: replyEvent(inventory.InventoryReleased, { releasedQuantity: 2 }),
  ShipmentScheduled: replyEvent(shipping.ShipmentScheduled, { shipmentId: shipped.userId, carrier: 'DHL', trackingNumber: 'DHL9A2C3D4E5F60' }),
  ShipmentSchedulingFailed: replyEvent(shipping.ShipmentSchedulingFailed, { reason: 'We do not ship to AQ', code: 'unsupported_destination' }),
  ShipmentCancelled: replyEvent(shipping.ShipmentCancelled),
  DeadlinePassed: { type: 'DeadlinePassed', at, deadline: 'step', afterMs: 30_000 },
} satisfies Record<string, SagaEvent>;
type EventName = keyof typeof events;

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
