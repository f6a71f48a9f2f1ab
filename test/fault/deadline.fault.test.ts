import { eventually } from '@saga/shared/testing';
import type { Shop } from '../support/api';
import { printResults, type ScenarioResult } from '../support/batch';
import { runScenario, SCENARIO_TIMEOUT_MS, startFaultSystem } from '../support/faultSuite';
import type { ProcessSystem } from '../support/processSystem';

// Scenario 7: billing (every replica) is down, so every payment step passes its deadline. Each saga
// refunds the payment (in case it happened) and releases the inventory, and ends
// Compensated. When billing returns, it finds the stale ProcessPayment commands first:
// whatever it charges is refunded, and no money stays taken.

let system: ProcessSystem;
let shop: Shop;
const results: ScenarioResult[] = [];

beforeAll(async () => {
  ({ system, shop } = await startFaultSystem('fault_deadline', { SAGA_STEP_TIMEOUT_MS: '2000', DEADLINE_SWEEP_INTERVAL_MS: '200' }));
}, 300_000);
afterAll(async () => {
  printResults('Fault suite: deadlines', results);
  await system?.stop();
});

it(
  'a step deadline passes while billing is down: sagas compensate, and the stale charge takes no money',
  async () => {
    const { orders, fixture } = await runScenario(system, shop, results, 'payment deadline, billing down', {
      before: () => system.kill('billing'),
      // Every payment step has timed out before billing comes back.
      settle: async (placed) => {
        await eventually(
          async () => {
            for (const order of placed.filter((o) => o.kind !== 'no-stock')) {
              const saga = (await shop.saga(order.id)).body;
              if (!saga.history.some((h: { step: string; status: string }) => h.step === 'ProcessPayment' && h.status === 'TimedOut')) return false;
            }
            return true;
          },
          { timeoutMs: 60_000, what: 'every payment step to time out' },
        );
        await system.startService('billing');
      },
      expected: () => 'Failed',
    });
    for (const order of orders.filter((o) => o.kind !== 'no-stock')) expect((await shop.saga(order.id)).body.status).toBe('Compensated');
    expect(await shop.balance(fixture.rich)).toBe('100000.00');
    expect(await shop.product(fixture.plenty)).toMatchObject({ stock: 1000, reserved: 0 });
  },
  SCENARIO_TIMEOUT_MS,
);
