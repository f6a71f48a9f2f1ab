import type { Shop } from '../support/api';
import { EXPECTED, printResults, type OrderKind, type ScenarioResult } from '../support/batch';
import { runScenario, SCENARIO_TIMEOUT_MS, startFaultSystem, strikeAt } from '../support/faultSuite';
import type { ProcessSystem } from '../support/processSystem';

// A replica frozen with SIGSTOP keeps its broker connection and the deliveries it had
// taken, unacknowledged, and does nothing. Frozen past the step deadlines, its sagas time
// out and compensate through the other replicas; thawed, it handles what it held, late.
// Its late work must change nothing: the inbox, the tombstones a compensation leaves and
// the row locks decide, so the invariants hold whatever ended which way.

const STEP_TIMEOUT_MS = 3000;

/** Deliveries a replica has taken to an end (handled, duplicate, retried, rejected...), from its own metrics. */
async function settledBy(index: number): Promise<number> {
  const metrics = await (await fetch(`${system.replicaUrl('billing', index)}/metrics`)).text();
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('messages_consumed_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
const results: ScenarioResult[] = [];
let system: ProcessSystem;
let shop: Shop;

beforeAll(async () => {
  ({ system, shop } = await startFaultSystem('fault_replicas', { SAGA_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS), DEADLINE_SWEEP_INTERVAL_MS: '200' }));
}, 300_000);
afterAll(async () => {
  printResults('Fault suite: a frozen replica', results);
  await system?.stop();
}, 300_000);

it(
  'freeze a billing replica with SIGSTOP past its step deadlines, then resume it: its late work changes nothing',
  async () => {
    let thawed: Promise<void> | undefined;
    let beforeFreeze = 0;
    const { orders } = await runScenario(system, shop, results, 'billing replica frozen past its deadlines (SIGSTOP)', {
      // Payments the frozen replica held time out: those orders may end Failed, whatever their kind (checked below: only those).
      expected: (kind: OrderKind) => [EXPECTED[kind], 'Failed'],
      afterEach: async (count) => {
        if (count !== strikeAt()) return;
        beforeFreeze = await settledBy(1);
        system.freeze('billing', 1);
        thawed = new Promise((resolve) => setTimeout(resolve, STEP_TIMEOUT_MS * 3)).then(() => system.thaw('billing', 1));
      },
      settle: async () => {
        await thawed;
      },
    });
    // The freeze did what it is for: some payment step passed its deadline while the replica held it;
    // and only those orders may have ended otherwise than their kind says.
    const timedOut: string[] = [];
    const unexpected: string[] = [];
    for (const order of orders) {
      const { history } = (await shop.saga(order.id)).body as { history: Array<{ status: string }> };
      const { status } = (await shop.order(order.id)).body as { status: string };
      if (history.some((entry) => entry.status === 'TimedOut')) timedOut.push(order.id);
      else if (status !== EXPECTED[order.kind]) unexpected.push(`${order.id} (${order.kind}) ended ${status}`);
    }
    expect(timedOut.length).toBeGreaterThan(0);
    expect(unexpected).toEqual([]);
    // ...and the thawed replica did its late work (it settled deliveries after the freeze), which the invariants above judged.
    expect(await settledBy(1)).toBeGreaterThan(beforeFreeze);
    // The console sees every replica again, each up, named, on a broker node.
    const overview = (await (await fetch(`${system.url('order')}/console/api/overview`)).json()) as { services: Array<{ service: string; replicas: Array<{ replica: string; health: string }> }> };
    for (const { service, replicas } of overview.services) {
      expect(replicas.map((r) => [r.replica, r.health])).toEqual(system.replicas(service as 'order').map(({ id }) => [id, 'up']));
    }
  },
  SCENARIO_TIMEOUT_MS,
);
