import { BrokerCluster } from './brokerCluster';
import { Shop } from './api';
import { Answers, placeOrders, prepare, verdict, type Fixture, type OrderKind, type PlacedOrder, type ScenarioResult } from './batch';
import { ProcessSystem } from './processSystem';

/** `npm run test:fault -- --full`: 500 orders per scenario instead of what CI can afford. */
export const FULL = process.env.FAULT_FULL === '1';
/** Processes per service in every scenario. */
export const REPLICAS = replicasWanted(process.env.FAULT_REPLICAS);

function replicasWanted(given: string | undefined): number {
  const count = Number(given ?? 2);
  if (!Number.isInteger(count) || count < 1 || count > 8) throw new Error(`FAULT_REPLICAS must be a whole number from 1 to 8, not ${JSON.stringify(given)}`);
  return count;
}
/** Orders per scenario. */
export const BATCH = FULL ? 500 : 30;
/** A scenario's own time limit (jest's), generous: a full run drains hundreds of orders after an outage. */
export const SCENARIO_TIMEOUT_MS = FULL ? 1_800_000 : 600_000;

/**
 * The system as the fault suite runs it: REPLICAS processes of every service, on the local
 * three-node RabbitMQ cluster (started by the fault tier's global setup) with quorum queues,
 * each service's database behind a proxy the suite can cut or slow.
 */
export async function startFaultSystem(name: string, env: NodeJS.ProcessEnv): Promise<{ system: ProcessSystem; cluster: BrokerCluster; shop: Shop }> {
  const cluster = new BrokerCluster();
  const system = await ProcessSystem.start(name, { QUEUE_TYPE: 'quorum', ...env }, { replicas: REPLICAS, broker: { amqpUrl: cluster.amqpUrls().join(','), adminUrl: cluster.adminUrl } });
  return { system, cluster, shop: new Shop(system) };
}

export interface Fault {
  /** Runs after each order is accepted, with how many were so far (strike at some count). */
  afterEach?: (placed: number) => void | Promise<void>;
  before?: () => Promise<void>;
  /** Waits until the fault is over (and undone) before the verdict; given the orders placed (none when placing failed). */
  settle?: (orders: PlacedOrder[]) => Promise<void>;
  /** Placement: concurrency and pause between orders (low traffic). */
  concurrency?: number;
  paceMs?: number;
  orders?: number;
  /** What each kind must end as, when a fault may legitimately change it (a deadline passing, say). */
  expected?: (kind: OrderKind) => string | string[];
}

/**
 * Runs a batch of mixed orders (happy, shipped, no stock, no funds, no shipping) while a
 * fault strikes, then checks that every order ended as its kind must, the invariants of
 * ARCHITECTURE.md (all terminal, stock and money conserved, no double charge, error
 * queues empty), and that no client was answered a 5xx other than 503 with Retry-After.
 * Records the row of the closing table, then asserts.
 */
export async function runScenario(
  system: ProcessSystem,
  shop: Shop,
  results: ScenarioResult[],
  name: string,
  fault: Fault,
): Promise<{ answers: Answers; orders: PlacedOrder[]; fixture: Fixture }> {
  const count = fault.orders ?? BATCH;
  const fixture = await prepare(shop);
  await fault.before?.();
  const answers = new Answers();
  const started = Date.now();
  let settled = false;
  try {
    const orders = await placeOrders(system, fixture, count, { afterEach: fault.afterEach, answers, concurrency: fault.concurrency, paceMs: fault.paceMs });
    await fault.settle?.(orders);
    settled = true;
    const allowed = fault.expected;
    const outcome = await verdict(shop, system, fixture, orders, {
      timeoutMs: FULL ? 900_000 : 240_000,
      ...(allowed ? { expected: allowed } : {}),
    });
    const held = outcome.terminal === count && outcome.wrongOutcomes.length === 0 && outcome.broken.length === 0 && answers.serverErrors.length === 0;
    results.push({ scenario: name, replicas: system.replicaCount, orders: count, terminal: outcome.terminal, held, drainSeconds: (Date.now() - started) / 1000, p99Seconds: outcome.p99Seconds, maxSeconds: outcome.maxSeconds });
    expect(outcome.wrongOutcomes).toEqual([]);
    expect(outcome.broken).toEqual([]);
    expect(answers.serverErrors).toEqual([]);
    expect(outcome.terminal).toBe(count);
    return { answers, orders, fixture };
  } finally {
    if (!settled) await fault.settle?.([]).catch(() => undefined); // undo the fault even when placing failed
  }
}

/** The order count at which a fault strikes: a third into the batch. */
export const strikeAt = (count = BATCH) => Math.max(1, Math.round(count / 3));
