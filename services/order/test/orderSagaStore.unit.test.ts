import { initialTransition } from 'xstate';
import { orderSagaMachine, type OrderSagaEvent, type OrderSagaInput } from '../src/domain/orderSaga.machine';
import { advanceSaga, lockSagaStatement, type StoredSaga } from '../src/saga/orderSagaStore';

const input: OrderSagaInput = {
  orderId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  userId: '0b9d7c1e-2f44-4c8a-8e51-9a2c3d4e5f60',
  items: [{ productId: '2d6f0a7b-3c8e-4f19-a2b4-5c6d7e8f9a01', quantity: 2 }],
  totalAmount: '2599.98',
};
const timeouts = { stepMs: 30_000, sagaMs: 300_000 };
const now = new Date('2026-11-21T10:00:00.000Z');
const at = now.toISOString();

/** A saga row as `lockSagaStatement` reads it, after `events` (each saved and read back). */
function stored(...events: OrderSagaEvent[]): StoredSaga {
  const [start] = initialTransition(orderSagaMachine, input);
  let saga: StoredSaga = {
    id: '11111111-2222-4333-8444-555555555555',
    snapshot: JSON.parse(JSON.stringify(orderSagaMachine.getPersistedSnapshot(start))),
    deadlineAt: new Date(now.getTime() + timeouts.sagaMs),
    createdAt: now,
  };
  for (const event of events) {
    const result = advanceSaga(saga, input.orderId, event, now, timeouts);
    if (!result.changed) throw new Error(`${event.type} did not apply`);
    const snapshotJson = /snapshot = '(.*)'::jsonb,\s+version/s.exec(result.statements[0]!)![1]!.replaceAll("''", "'");
    saga = { ...saga, snapshot: JSON.parse(snapshotJson) };
  }
  return saga;
}

const types = (result: ReturnType<typeof advanceSaga>) => (result.changed ? result.messages.map((m) => m.contract.messageType) : []);

describe('advanceSaga', () => {
  it('saves the next step and asks for its command, leaving the order Pending', () => {
    const result = advanceSaga(stored(), input.orderId, { type: 'InventoryValidated', at }, now, timeouts);
    expect(result.changed).toBe(true);
    if (!result.changed) return;
    expect(result.statements).toHaveLength(1);
    expect(result.statements[0]).toMatch(/^update order_sagas set status = 'InProgress', current_step = 'ReserveInventory'/);
    expect(result.statements[0]).toContain("where id = '11111111-2222-4333-8444-555555555555'");
    expect(result.statements[0]).toContain("step_deadline_at = '2026-11-21T10:00:30.000Z'::timestamptz");
    expect(types(result)).toEqual(['domain.order.ReserveInventory']);
  });

  it('changes nothing for a reply the current step does not expect', () => {
    expect(advanceSaga(stored(), input.orderId, { type: 'PaymentProcessed', at, amount: '2599.98' }, now, timeouts)).toEqual({ changed: false });
  });

  it('completes the order with the last reply: both rows saved, deadlines cleared', () => {
    const saga = stored({ type: 'InventoryValidated', at }, { type: 'InventoryReserved', at });
    const result = advanceSaga(saga, input.orderId, { type: 'PaymentProcessed', at, amount: '2599.98' }, now, timeouts);
    if (!result.changed) throw new Error('not applied');
    expect(result.statements[0]).toContain("completed_at = '2026-11-21T10:00:00.000Z'::timestamptz");
    expect(result.statements[0]).toContain('step_deadline_at = null, deadline_at = null');
    expect(result.statements[1]).toBe(`update orders set status = 'Completed', updated_at = '2026-11-21T10:00:00.000Z'::timestamptz where id = '${input.orderId}'`);
    expect(types(result)).toContain('domain.order.OrderCompleted');
  });
});

describe('lockSagaStatement', () => {
  it('locks the saga of the order, or for the sweeper only a due one, skipping locked rows', () => {
    expect(lockSagaStatement(input.orderId)).toMatch(new RegExp(`where order_id = '${input.orderId}' for update$`));
    expect(lockSagaStatement(input.orderId, now)).toMatch(
      /and \(step_deadline_at <= '2026-11-21T10:00:00.000Z'::timestamptz or deadline_at <= '2026-11-21T10:00:00.000Z'::timestamptz\) for update skip locked$/,
    );
  });
});
