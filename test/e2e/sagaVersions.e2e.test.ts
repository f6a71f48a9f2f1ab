import { ADDRESS, Shop, UNSERVED_ADDRESS, type Address } from '../support/api';
import { prepare, type Fixture } from '../support/batch';
import { brokenInvariants } from '../support/invariants';
import { ProcessSystem } from '../support/processSystem';
import { sampleValue } from '../support/promql';

// A deploy of saga version 2 while version-1 sagas are in flight: the order service runs
// as a build that starts version-1 sagas (ORDER_SAGA_VERSION=1), orders wait at their
// payment (billing is down), the order service is replaced by one starting version 2 (a
// real process restart), billing comes back, new orders are placed, and every saga ends as
// its own version prescribes: version 1 never ships, version 2 ships what has an address.

let system: ProcessSystem;
let shop: Shop;
let fixture: Fixture;

beforeAll(async () => {
  // Deadlines far away: the version-1 sagas wait for billing for as long as the deploy takes.
  system = await ProcessSystem.start('e2e_versions', { SAGA_STEP_TIMEOUT_MS: '600000', SAGA_TIMEOUT_MS: '900000' });
  shop = new Shop(system);
  fixture = await prepare(shop);
});
afterAll(async () => {
  await system?.stop();
});

interface Placed {
  id: string;
  version: 1 | 2;
  kind: 'happy' | 'no-funds' | 'no-stock' | 'shipped' | 'digital' | 'no-ship';
}

async function place(version: 1 | 2, kind: Placed['kind'], address?: Address): Promise<Placed> {
  const user = kind === 'no-funds' ? fixture.poor : fixture.rich;
  const items = kind === 'no-stock' ? [{ productId: fixture.scarce, quantity: 5, price: '1.00' }] : [{ productId: fixture.plenty, quantity: 1, price: '5.00' }];
  const id = await shop.placeAcceptedOrder(user, items, address);
  fixture.world.orders.push(id);
  return { id, version, kind };
}

const steps = (saga: { history: Array<{ step: string; status: string }> }) => saga.history.map((h) => `${h.step}:${h.status}`);
describe('deploying saga version 2 while version-1 sagas are in flight', () => {
  it('finishes every version-1 saga on version 1 and runs new orders on version 2, with every invariant holding', async () => {
    await system.kill('order', 'SIGTERM');
    await system.startService('order', { ORDER_SAGA_VERSION: '1' });

    // The version-1 build does not ship: it refuses an address rather than ignore it.
    const refused = await shop.placeOrder(fixture.rich, [{ productId: fixture.plenty, quantity: 1, price: '5.00' }], undefined, ADDRESS);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'shippingAddress', message: expect.stringContaining('version 1') })]);

    await system.kill('billing', 'SIGTERM');
    const old = [await place(1, 'happy'), await place(1, 'happy'), await place(1, 'no-funds'), await place(1, 'no-stock'), await place(1, 'happy')];
    for (const order of old) {
      const saga = await shop.waitFor(order.id, (s) => s.currentStep === 'ProcessPayment' || s.completedAt !== null);
      expect(saga.definitionVersion).toBe(1);
    }
    const inFlight = (await Promise.all(old.map((o) => shop.saga(o.id)))).filter((s) => s.body.currentStep === 'ProcessPayment');
    expect(inFlight).toHaveLength(4);

    // The deploy: the order service is stopped as a deploy stops it and started as the version-2 build.
    await system.kill('order', 'SIGTERM');
    await system.startService('order');
    const scrape = () => fetch(`${system.url('order')}/metrics`).then((r) => r.text());
    // What an operator watches to know when version 1 can be retired.
    expect(sampleValue(await scrape(), 'saga_in_flight_by_version', { version: '1' })).toBe(4);
    await system.startService('billing');

    const fresh = [await place(2, 'shipped', ADDRESS), await place(2, 'digital'), await place(2, 'no-ship', UNSERVED_ADDRESS), await place(2, 'no-funds', ADDRESS), await place(2, 'shipped', { ...ADDRESS, country: 'DE' })];
    for (const order of [...old, ...fresh]) {
      const saga = await shop.finished(order.id);
      const shipments = await shop.shipments(order.id);
      const what = `${order.kind} order on version ${order.version}`;
      expect([what, saga.definitionVersion, saga.parked]).toEqual([what, order.version, false]);
      switch (order.kind) {
        case 'happy':
          expect([what, saga.status, steps(saga)]).toEqual([what, 'Completed', ['ValidateInventory:Completed', 'ReserveInventory:Completed', 'ProcessPayment:Completed']]);
          expect(shipments).toEqual([]);
          break;
        case 'no-funds':
          expect([what, saga.status, steps(saga).at(-1)]).toEqual([what, 'Compensated', 'ReleaseInventory:Completed']);
          expect(shipments).toEqual([]);
          break;
        case 'no-stock':
          expect([what, saga.status]).toEqual([what, 'Failed']);
          break;
        case 'shipped':
          expect([what, saga.status, steps(saga).at(-1)]).toEqual([what, 'Completed', 'ScheduleShipping:Completed']);
          expect(shipments).toEqual([expect.objectContaining({ status: 'Scheduled' })]);
          break;
        case 'digital':
          expect([what, saga.status, steps(saga).at(-1)]).toEqual([what, 'Completed', 'ScheduleShipping:Skipped']);
          expect(shipments).toEqual([]);
          break;
        case 'no-ship':
          expect([what, saga.status, steps(saga).slice(-3)]).toEqual([what, 'Compensated', ['ScheduleShipping:Failed', 'RefundPayment:Completed', 'ReleaseInventory:Completed']]);
          expect(shipments).toEqual([expect.objectContaining({ status: 'Refused' })]);
          break;
      }
    }
    expect(await brokenInvariants(shop, system, fixture.world)).toEqual([]);

    const metrics = await scrape();
    expect(sampleValue(metrics, 'saga_in_flight_by_version', { version: '1' })).toBe(0);
    expect(sampleValue(metrics, 'saga_in_flight_by_version', { version: '2' })).toBe(0);
    expect(sampleValue(metrics, 'saga_parked')).toBe(0);
  });
});
