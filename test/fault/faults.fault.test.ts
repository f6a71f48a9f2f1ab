import { eventually } from '@saga/shared/testing';
import { Shop } from '../support/api';
import { breakerBecomes, placeOrders, prepare, printResults, verdict, type ScenarioResult } from '../support/batch';
import { closeBrokerConnections, countBrokerConnections } from '../support/brokerConnections';
import { Duplicator } from '../support/duplicator';
import { ProcessSystem } from '../support/processSystem';
import { SERVICE_NAMES, type ServiceName } from '../support/system';

// Each scenario runs a batch of mixed orders (happy, no stock, no funds) while a fault
// strikes, then checks that every order ended as its kind must, and the invariants of
// ARCHITECTURE.md: all terminal, stock and money conserved, no double charge, error
// queues empty.

const BATCH = 30;
const results: ScenarioResult[] = [];
let system: ProcessSystem;
let shop: Shop;

beforeAll(async () => {
  system = await ProcessSystem.start('fault', {
    IMMEDIATE_RETRIES: '1',
    RETRY_DELAYS_MS: '200,1000,3000',
    BREAKER_RESET_MS: '1000',
    BREAKER_VOLUME_THRESHOLD: '5',
  });
  shop = new Shop(system);
});
afterAll(async () => {
  printResults('Fault suite (real processes, PostgreSQL and RabbitMQ)', results);
  await system?.stop();
});

/** Runs a batch with `fault` injected along the way, records the row, and asserts everything held. */
async function scenario(
  name: string,
  fault: { afterEach?: (placed: number) => void; before?: () => Promise<void>; settle?: () => Promise<void> },
) {
  const fixture = await prepare(shop);
  await fault.before?.();
  const started = Date.now();
  const orders = await placeOrders(system, fixture, BATCH, { afterEach: fault.afterEach });
  await fault.settle?.();
  const outcome = await verdict(shop, system, fixture, orders);
  const held = outcome.terminal === BATCH && outcome.wrongOutcomes.length === 0 && outcome.broken.length === 0;
  results.push({ scenario: name, orders: BATCH, terminal: outcome.terminal, held, drainSeconds: (Date.now() - started) / 1000 });
  expect(outcome.wrongOutcomes).toEqual([]);
  expect(outcome.broken).toEqual([]);
  expect(outcome.terminal).toBe(BATCH);
}

describe('fault suite', () => {
  it.each(SERVICE_NAMES)('kill -9 the %s service mid-batch and restart it', async (service: ServiceName) => {
    let restart: Promise<void> | undefined;
    await scenario(`kill -9 ${service}`, {
      afterEach: (placed) => {
        if (placed === 10) restart = system.kill(service).then(() => system.startService(service));
      },
      settle: async () => {
        await restart;
      },
    });
  });

  it('crash every relay between publish and delete, and restart it', async () => {
    const crashed: ServiceName[] = [];
    let watchers: Array<Promise<void>> = [];
    await scenario('relay crash after publish, before delete', {
      before: async () => {
        for (const service of SERVICE_NAMES) {
          await system.kill(service);
          await system.startService(service, { FAULT_RELAY_CRASH_AFTER_BATCHES: '3' });
        }
        watchers = SERVICE_NAMES.map(async (service) => {
          await system.exited(service);
          crashed.push(service);
          await system.startService(service);
        });
      },
      settle: async () => {
        // Every relay publishes more than 3 batches in a batch of orders, so each crashes once.
        await eventually(() => crashed.length === SERVICE_NAMES.length, { timeoutMs: 90_000, what: 'every relay to crash' });
        await Promise.all(watchers);
      },
    });
    expect(crashed.sort()).toEqual([...SERVICE_NAMES].sort());
  });

  it('close every broker connection mid-batch: services reconnect by themselves', async () => {
    const closings: Array<Promise<number>> = [];
    await scenario('broker connections closed twice', {
      afterEach: (placed) => {
        const prefix = `${system.namespace}:`;
        if (placed === 8) closings.push(closeBrokerConnections(prefix));
        // The second cut waits until every service is back, so it cuts each of them again.
        if (placed === 20) {
          closings.push(
            closings[0]!
              .then(() => eventually(async () => (await countBrokerConnections(prefix)) >= SERVICE_NAMES.length, { timeoutMs: 60_000, what: 'every service to reconnect' }))
              .then(() => closeBrokerConnections(prefix)),
          );
        }
      },
      settle: async () => {
        expect(Math.min(...(await Promise.all(closings)))).toBeGreaterThanOrEqual(SERVICE_NAMES.length);
      },
    });
    for (const service of SERVICE_NAMES) expect((await system.health(service)).body.checks.broker).toBe('up');
  });

  it("make billing's database unreachable: its breaker opens, nothing reaches an error queue, the batch completes", async () => {
    let outage: Promise<void> | undefined;
    await scenario('billing database unreachable', {
      afterEach: (placed) => {
        if (placed !== 6) return;
        outage = (async () => {
          await system.databaseProxies.billing!.cut();
          await breakerBecomes(system, 'billing', 'consumer', 'open');
          await new Promise((resolve) => setTimeout(resolve, 1500));
          await system.databaseProxies.billing!.restore();
        })();
      },
      settle: async () => {
        await outage;
      },
    });
    await breakerBecomes(system, 'billing', 'consumer', 'closed');
  });

  it('deliver every message twice: no effect happens twice', async () => {
    const duplicator = await Duplicator.start(system.namespace, system.broker);
    try {
      await scenario('every message delivered twice', {});
      expect(duplicator.copies).toBeGreaterThan(BATCH);
    } finally {
      await duplicator.stop();
    }
  });
});
