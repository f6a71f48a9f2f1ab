import { eventually } from '@saga/shared/testing';
import type { Shop } from '../support/api';
import { sleep } from '../../bench/src/stats';
import { printResults, type ScenarioResult } from '../support/batch';
import type { BrokerCluster } from '../support/brokerCluster';
import { busiestNode, closeBrokerConnections, connectedProcesses } from '../support/brokerConnections';
import { Duplicator } from '../support/duplicator';
import { BATCH, runScenario, SCENARIO_TIMEOUT_MS, startFaultSystem, strikeAt, type Fault } from '../support/faultSuite';
import { ensurePostgresRuns, restartPostgres, stopPostgres } from '../support/postgresServer';
import type { ProcessSystem } from '../support/processSystem';
import { SERVICE_NAMES, type ServiceName } from '../support/system';

// Each scenario runs a batch of mixed orders while a fault strikes, on REPLICAS processes
// of every service and the three-node RabbitMQ cluster with quorum queues, then checks
// that every order ended as its kind must and the invariants of ARCHITECTURE.md (see
// runScenario). `npm run test:fault -- --full` runs 500 orders per scenario.

const results: ScenarioResult[] = [];
let system: ProcessSystem;
let cluster: BrokerCluster;
let shop: Shop;

beforeAll(async () => {
  ({ system, cluster, shop } = await startFaultSystem('fault', {
    IMMEDIATE_RETRIES: '1',
    RETRY_DELAYS_MS: '200,1000,3000',
    BREAKER_RESET_MS: '1000',
    BREAKER_VOLUME_THRESHOLD: '5',
    // Deadlines are scenario 7's (deadline.fault) and the frozen replica's (replicas.fault):
    // here an outage must delay orders, never fail them.
    SAGA_STEP_TIMEOUT_MS: '600000',
    SAGA_TIMEOUT_MS: '1200000',
  }));
}, 300_000);
afterAll(async () => {
  printResults('Fault suite (replicas of every service, three-node RabbitMQ cluster, PostgreSQL)', results);
  try {
    await ensurePostgresRuns();
    await cluster?.ensureUp();
  } finally {
    await system?.stop();
  }
}, 300_000);

const scenario = (name: string, fault: Fault) => runScenario(system, shop, results, name, fault);

/** Starts `work` when the batch reaches the strike count; settle waits for it (and reports its failure). */
function strike(work: () => Promise<void>, at = strikeAt()): Pick<Fault, 'afterEach' | 'settle'> {
  let running: Promise<{ failed?: unknown }> | undefined;
  return {
    afterEach: (placed) => {
      if (placed === at) running = work().then(() => ({}), (failed: unknown) => ({ failed }));
    },
    settle: async () => {
      const outcome = await running;
      if (outcome && 'failed' in outcome) throw outcome.failed;
    },
  };
}

describe('fault suite', () => {
  it.each(SERVICE_NAMES)(
    'kill -9 every replica of the %s service mid-batch and restart them',
    async (service: ServiceName) => {
      await scenario(`kill -9 ${service} (all replicas)`, strike(() => system.kill(service).then(() => system.startService(service))));
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'kill -9 one replica of every service at once, and restart them',
    async () => {
      await scenario(
        'kill -9 one replica of every service',
        strike(async () => {
          await Promise.all(SERVICE_NAMES.map((service) => system.kill(service, 'SIGKILL', 1)));
          await Promise.all(SERVICE_NAMES.map((service) => system.startService(service, {}, 1)));
        }),
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'crash relays between publish and delete, and restart them',
    async () => {
      const crashed = new Set<ServiceName>();
      /** Replicas whose process with the crash flag has exited (and was started again without it). */
      const exited = new Set<string>();
      let watchers: Array<Promise<void>> = [];
      let crashing = true;
      await scenario('relay crash after publish, before delete', {
        before: async () => {
          for (const service of SERVICE_NAMES) {
            await system.kill(service, 'SIGTERM');
            await system.startService(service, { FAULT_RELAY_CRASH_AFTER_BATCHES: '3' });
          }
          watchers = SERVICE_NAMES.flatMap((service) =>
            system.replicas(service).map(async ({ index, id }) => {
              await system.exited(service, index);
              if (crashing) crashed.add(service);
              exited.add(id);
              await system.startService(service, {}, index);
            }),
          );
        },
        settle: async () => {
          // Each service publishes more than 3 batches in a batch of orders, so a replica of each crashes.
          await eventually(() => crashed.size === SERVICE_NAMES.length, { timeoutMs: 120_000, what: 'a relay of every service to crash' });
          crashing = false;
          // A replica whose relay never reached its crash point is stopped, and started again without the flag.
          for (const service of SERVICE_NAMES) {
            for (const { index, id } of system.replicas(service)) if (!exited.has(id)) await system.kill(service, 'SIGTERM', index);
          }
          await Promise.all(watchers);
        },
      });
      expect([...crashed].sort()).toEqual([...SERVICE_NAMES].sort());
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'close every broker connection mid-batch, twice: services reconnect by themselves',
    async () => {
      const prefix = `${system.namespace}:`;
      const processes = SERVICE_NAMES.flatMap((service) => system.replicas(service).map(({ id }) => `${prefix}${service}:${id}`)).sort();
      const everyProcessConnected = (gone: Set<string>) =>
        eventually(async () => (await connectedProcesses(cluster.adminUrl, prefix, gone)).size >= processes.length, { timeoutMs: 60_000, what: 'every process connected' });
      const cuts: Array<Set<string>> = [];
      const closed = new Set<string>();
      await scenario(
        'broker connections closed twice',
        strike(async () => {
          for (let cut = 0; cut < 2; cut += 1) {
            // The second cut waits until every process is back, so it cuts each of them again.
            await everyProcessConnected(closed);
            const { names, processes: cutOff } = await closeBrokerConnections(cluster.adminUrl, prefix, closed);
            for (const name of names) closed.add(name);
            cuts.push(cutOff);
          }
        }),
      );
      for (const cutOff of cuts) expect([...cutOff].sort()).toEqual(processes);
      await everyProcessConnected(closed);
      await eventually(async () => {
        for (const service of SERVICE_NAMES) {
          for (const { index } of system.replicas(service)) if ((await system.health(service, index)).body.checks.broker !== 'up') return false;
        }
        return true;
      }, { what: 'every process connected again' });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'kill -9 the broker node the services are connected to, mid-batch, then restart it',
    async () => {
      await scenario(
        'kill -9 one RabbitMQ node',
        strike(async () => {
          const busiest = await busiestNode(cluster.adminUrl, `${system.namespace}:`);
          const node = cluster.layout.nodes.findIndex((each) => each.name === busiest) + 1;
          if (node === 0) throw new Error(`no node of the cluster holds the services' connections (busiest: ${busiest})`);
          await cluster.killNode(node);
          try {
            await sleep(3000);
          } finally {
            await cluster.startNode(node);
          }
        }),
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'stop the whole broker cluster mid-batch and start it again',
    async () => {
      await scenario(
        'whole RabbitMQ cluster restarted',
        strike(async () => {
          try {
            await cluster.stopAll();
          } finally {
            await cluster.startAll();
          }
        }),
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    "make billing's database unreachable: its breakers open, nothing reaches an error queue, the batch completes",
    async () => {
      await scenario(
        'billing database unreachable',
        strike(async () => {
          await system.databaseProxies.billing!.cut();
          try {
            await eventually(async () => {
              for (const { index } of system.replicas('billing')) if ((await system.health('billing', index)).body.breakers?.consumer === 'open') return true;
              return false;
            }, { timeoutMs: 60_000, what: "a billing replica's consumer breaker to open" });
            await sleep(1500);
          } finally {
            await system.databaseProxies.billing!.restore();
          }
        }),
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'make PostgreSQL slow for every service (300 ms more per round trip) for a while',
    async () => {
      const proxies = SERVICE_NAMES.map((service) => system.databaseProxies[service]!);
      await scenario(
        'PostgreSQL slow (+300 ms per round trip)',
        strike(async () => {
          for (const proxy of proxies) proxy.slow(150);
          try {
            await sleep(10_000);
          } finally {
            for (const proxy of proxies) proxy.slow(0);
          }
        }),
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'restart the PostgreSQL server mid-batch',
    async () => {
      try {
        await scenario('PostgreSQL restarted', strike(() => restartPostgres()));
      } finally {
        await ensurePostgresRuns();
      }
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'stop PostgreSQL for 60 s at low traffic: nothing reaches an error queue, clients get 503 with Retry-After, never 500',
    async () => {
      try {
        const orders = Math.max(12, Math.round(BATCH / 2));
        const { answers } = await scenario('PostgreSQL stopped 60 s, low traffic', {
          orders,
          concurrency: 1,
          paceMs: 300,
          ...strike(async () => {
            try {
              await stopPostgres();
              await sleep(60_000);
            } finally {
              await ensurePostgresRuns();
            }
          }, strikeAt(orders)),
        });
        expect(answers.byStatus.get(503) ?? 0).toBeGreaterThan(0);
      } finally {
        await ensurePostgresRuns();
      }
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'deliver every message twice: no effect happens twice',
    async () => {
      const duplicator = await Duplicator.start(system.namespace, system.broker);
      try {
        await scenario('every message delivered twice', {});
        expect(duplicator.copies).toBeGreaterThan(BATCH);
      } finally {
        await duplicator.stop();
      }
    },
    SCENARIO_TIMEOUT_MS,
  );
});
