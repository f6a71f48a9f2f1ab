import { type SagaEvent } from '@saga/shared';
import { billing, inventory, type Contract } from '@saga/shared/contracts';
import { orderSagaVersions } from '../src/domain/orderSaga.versions';
import { transitionSaga, type StoredSaga } from '../src/saga/orderSagaStore';
import { DIGITAL_ORDER } from './orderSagaFixtures';

const versions = orderSagaVersions();
const input = DIGITAL_ORDER;
const timeouts = { stepMs: 30_000, sagaMs: 300_000 };
const now = new Date('2026-11-21T10:00:00.000Z');
const at = now.toISOString();
/** The reply as the saga's version takes it. */
const replyOf = (contract: Contract, body: object = {}) => (version: number): SagaEvent | undefined =>
  versions.reply(version, contract)?.toEvent({ orderId: input.orderId, ...body }, at);
type EventFor = ReturnType<typeof replyOf>;

/** A saga row as `lockSaga` reads it, after `events` (each saved and read back as JSON). */
function stored(...events: EventFor[]): StoredSaga {
  const started = versions.start(input);
  let saga: StoredSaga = {
    id: '11111111-2222-4333-8444-555555555555',
    currentStep: 'ValidateInventory',
    snapshot: JSON.parse(JSON.stringify(started.snapshot)),
    deadlineAt: new Date(now.getTime() + timeouts.sagaMs),
    createdAt: now,
    definitionVersion: started.version,
    version: 1,
    traceContext: null,
  };
  for (const event of events) {
    const result = transitionSaga(versions, saga, input.orderId, event, now, timeouts);
    if (!result.changed) throw new Error('an event did not apply');
    saga = { ...saga, version: saga.version + 1, currentStep: result.change.currentStep, snapshot: JSON.parse(JSON.stringify(result.change.snapshot)) };
  }
  return saga;
}

const types = (result: ReturnType<typeof transitionSaga>) => (result.changed ? result.messages.map((m) => m.contract.messageType) : []);

describe('transitionSaga', () => {
  it('saves the next step with a fresh step deadline and asks for its command, leaving the order Pending', () => {
    const result = transitionSaga(versions, stored(), input.orderId, replyOf(inventory.InventoryValidated), now, timeouts);
    if (!result.changed) throw new Error('not applied');
    expect(result.change).toMatchObject({ id: '11111111-2222-4333-8444-555555555555', status: 'InProgress', currentStep: 'ReserveInventory', completedAt: null });
    expect(result.change.stepDeadlineAt).toEqual(new Date('2026-11-21T10:00:30.000Z'));
    expect(result.orderStatus).toBeUndefined();
    expect(result.writes).toHaveLength(2); // the saga, its journal entry
    expect(result.lifecycle).toEqual([{ type: 'saga.step_completed', entry: expect.objectContaining({ step: 'ValidateInventory', status: 'Completed' }) }]);
    expect(types(result)).toEqual(['domain.order.ReserveInventory']);
  });

  it('changes nothing for a reply the current step does not expect', () => {
    expect(transitionSaga(versions, stored(), input.orderId, replyOf(billing.PaymentProcessed, { amount: '2599.98' }), now, timeouts)).toEqual({ changed: false, why: 'not-expected' });
  });

  it('does not read a saga on a version this build does not know', () => {
    const saga = { ...stored(), definitionVersion: 99, snapshot: { value: 'Teleporting', status: 'active', context: {} } };
    const eventFor = jest.fn();
    expect(transitionSaga(versions, saga, input.orderId, eventFor, now, timeouts)).toEqual({ changed: false, why: 'unknown-version' });
    expect(eventFor).not.toHaveBeenCalled();
  });

  it('records the version a new saga starts on, and keeps it as it goes', () => {
    const result = transitionSaga(versions, stored(), input.orderId, replyOf(inventory.InventoryValidated), now, timeouts);
    expect(result.changed && result.change.definitionVersion).toBe(2);
    const onVersion1 = orderSagaVersions(1);
    const old = { ...stored(), definitionVersion: 1, snapshot: JSON.parse(JSON.stringify(onVersion1.start(input).snapshot)) };
    const later = transitionSaga(versions, old, input.orderId, replyOf(inventory.InventoryValidated), now, timeouts);
    expect(later.changed && later.change.definitionVersion).toBe(1);
  });

  it('completes the order with the last reply: both rows saved, deadlines cleared', () => {
    const saga = stored(replyOf(inventory.InventoryValidated), replyOf(inventory.InventoryReserved));
    const result = transitionSaga(versions, saga, input.orderId, replyOf(billing.PaymentProcessed, { amount: '2599.98' }), now, timeouts);
    if (!result.changed) throw new Error('not applied');
    expect(result.change).toMatchObject({ status: 'Completed', completedAt: now, stepDeadlineAt: null, deadlineAt: null });
    expect(result.orderStatus).toBe('Completed');
    expect(result.writes).toHaveLength(3); // the saga, the order, the journal entry
    expect(result.lifecycle.map((event) => event.type)).toEqual(['saga.step_completed', 'saga.step_skipped', 'order.completed']);
    expect(types(result)).toContain('domain.order.OrderCompleted');
  });

  it('stops the saga deadline once compensating, and carries the refusal code to the metrics', () => {
    const saga = stored(replyOf(inventory.InventoryValidated), replyOf(inventory.InventoryReserved));
    const result = transitionSaga(versions, saga, input.orderId, replyOf(billing.PaymentFailed, { reason: 'Insufficient funds', code: 'insufficient_funds' }), now, timeouts);
    if (!result.changed) throw new Error('not applied');
    expect(result.change).toMatchObject({ status: 'Compensating', currentStep: 'ReleaseInventory', deadlineAt: null });
    expect(result.progress.failureCode).toBe('insufficient_funds');
  });
});
