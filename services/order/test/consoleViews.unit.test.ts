import { definitionJson, waitingFor } from '../src/console/sagaListing';
import { orderSagaVersions } from '../src/domain/orderSaga.versions';
import { parsePosition, positionId } from '../src/events/sagaEventReader';

const versions = orderSagaVersions(2);

describe("the console's view of a definition", () => {
  it('lists the steps of a version in order, with their replies, conditions and compensations', () => {
    const v2 = definitionJson(versions, 2);
    expect(v2.steps.map((step) => step.name)).toEqual(['ValidateInventory', 'ReserveInventory', 'ProcessPayment', 'ScheduleShipping']);
    expect(v2.steps[0]).toMatchObject({ compensation: null, condition: null, succeeded: 'domain.inventory.InventoryValidated' });
    expect(v2.steps[3]!.condition).toMatch(/address/i);
    expect(v2.steps[2]!.compensation).toEqual({ name: 'RefundPayment', command: 'domain.order.RefundPayment', done: 'domain.billing.PaymentRefunded' });
    expect(definitionJson(versions, 1).steps).toHaveLength(3);
  });

  it("names the replies a saga waits for: its step's answers, or its compensation's", () => {
    const v2 = definitionJson(versions, 2);
    expect(waitingFor(v2, 'ProcessPayment')).toEqual(['domain.billing.PaymentProcessed', 'domain.billing.PaymentFailed']);
    expect(waitingFor(v2, 'ReleaseInventory')).toEqual(['domain.inventory.InventoryReleased']);
    expect(waitingFor(v2, 'Completed')).toEqual([]);
  });
});

describe('positions of the all-sagas stream', () => {
  it('reads back the ids it gives', () => {
    expect(parsePosition(positionId({ txid: '18446744073709551615', seq: 42 }))).toEqual({ txid: '18446744073709551615', seq: 42 });
  });

  it.each(['', '1', '1.', '.1', '1.2.3', '-1.2', '1.2x', "1.2' or 1=1", '1.99999999999999999999'])('refuses %j', (id) => {
    expect(parsePosition(id)).toBeUndefined();
  });
});
