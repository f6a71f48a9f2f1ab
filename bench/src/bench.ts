/**
 * npm run bench [-- --quick] [--concurrency C] [--rate R] [--duration S] [--mix 75/10/10/5] [--relay-rows K] [--skip-relays] [--peers] [--profile]
 *
 * Measures, in one run on this machine: completed sagas/s (closed loop), end-to-end and
 * per-step latency at a given rate (open loop), the database transactions and broker
 * messages each saga costs (counted), the ceilings of PostgreSQL and RabbitMQ with the
 * same drivers and concurrency, and our outbox relay against pg-transactional-outbox.
 * With --peers, right after our closed loop, the same saga on DBOS Transact, on
 * graphile-worker and as plain SQL transactions (bench/src/peers, docs/peers.md), each in a
 * process of its own under the same load: sagas/s, CPU per saga by process, latency in the
 * closed loop and in an open loop at half the peer's own maximum, and ours over theirs; then
 * our closed loop once more, so the peers are bracketed by two measurements of ours.
 * Checks the invariants after the run (ours and each peer's) and fails loudly if one broke.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { dropDatabase, topology } from '@saga/shared';
import { createTestDatabase, TEST_AMQP_URL, TEST_POSTGRES_URL } from '@saga/shared/testing';
import { perService, SERVICE_NAMES } from '../../services/registry';
import { ProcessSystem } from '../../test/support/processSystem';
import { brokerCeiling, postgresCeiling } from './ceilings';
import { Completions } from './completions';
import { cpuPerSaga, cpuTimes } from './cpu';
import { brokenInvariants } from './invariants';
import { closedLoop, openLoop, seed, viaBroker, type Mix, type Sample } from './load';
import { comparePeers, peerTable } from './peers/report';
import { runPeers } from './peers/runPeers';
import { say, timed } from './progress';
import { ourRelay, peerRelay } from './relays';
import { profileSummary } from './profileSummary';
import { withClient } from './sql';
import { percentiles, round } from './stats';
import { transactions } from './transactions';

const program = new Command('bench')
  .option('--quick', 'a short run (under 2 minutes), e.g. as a smoke test')
  .option('--concurrency <n>', 'closed-loop clients, and the concurrency of the ceilings', (v) => Number(v))
  .option('--rate <n>', 'open-loop orders per second (default: half the closed-loop maximum)', (v) => Number(v))
  .option('--duration <s>', 'seconds for each load phase', (v) => Number(v))
  .option('--mix <h/s/f/x>', 'percent happy (shipped) / no stock / no funds / no shipping to the destination', '75/10/10/5')
  .option('--relay-rows <k>', 'rows pre-filled for the relay comparison', (v) => Number(v))
  .option('--skip-relays', 'skip the relay comparison')
  .option('--peers', 'also run the same saga on DBOS, graphile-worker and plain SQL, each in a process of its own (docs/peers.md)')
  .option('--profile', 'write a CPU profile of each service (and peer) to bench/results/profiles (open in Chrome DevTools), and print where each process\'s CPU went')
  .parse();
const opts = program.opts<{ quick?: boolean; concurrency?: number; rate?: number; duration?: number; mix: string; relayRows?: number; skipRelays?: boolean; peers?: boolean; profile?: boolean }>();
const quick = Boolean(opts.quick);
const concurrency = opts.concurrency ?? 32;
const seconds = opts.duration ?? (quick ? 10 : 30);
const relayRows = opts.relayRows ?? (quick ? 1000 : 5000);
const [happy = 0, noStock = 0, noFunds = 0, noShip = 0] = opts.mix.split('/').map(Number);
const mix: Mix = { happy, noStock, noFunds, noShip };
/** The broker as its administrator, for the ceilings and the relay comparison (their own queues in the default vhost); the system runs in a vhost of its own, as its services' users. */
const amqpUrl = TEST_AMQP_URL;

async function published(system: ProcessSystem): Promise<number> {
  let total = 0;
  for (const service of SERVICE_NAMES) {
    const text = await (await fetch(`${system.url(service)}/metrics`)).text();
    total += Number(/^outbox_published_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return total;
}

function stepLatencies(histories: Array<{ createdAt: string; history: Array<{ step: string; timestamp: string }> }>) {
  const byStep = new Map<string, number[]>();
  for (const saga of histories) {
    let previous = Date.parse(saga.createdAt);
    for (const entry of saga.history) {
      const at = Date.parse(entry.timestamp);
      byStep.set(entry.step, [...(byStep.get(entry.step) ?? []), at - previous]);
      previous = at;
    }
  }
  return Object.fromEntries([...byStep].map(([step, values]) => [step, percentiles(values)]));
}

async function versions() {
  const { rows } = await withClient(TEST_POSTGRES_URL, (client) => client.query<{ server_version: string }>('show server_version'));
  const { connect } = await import('amqplib');
  const connection = await connect(amqpUrl);
  const rabbit = String((connection.connection as unknown as { serverProperties?: { version?: string } }).serverProperties?.version ?? 'unknown');
  await connection.close();
  return { node: process.version, postgres: rows[0]?.server_version, rabbitmq: rabbit };
}

async function main(): Promise<number> {
  const started = Date.now();
  say(`Benchmark${quick ? ' (quick)' : ''}: ${os.cpus().length} cores, ${round(os.totalmem() / 2 ** 30)} GiB, concurrency ${concurrency}, ${seconds} s per phase, mix ${opts.mix}`);
  const profiles = path.join(__dirname, '..', 'results', 'profiles');
  const nodeArgs = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [];
  const system = await ProcessSystem.start('bench', { LOG_LEVEL: 'warn' }, { proxies: false, nodeArgs });
  /** Who each profiled process is, to name its profile. */
  const profiled = new Map<number, string>();
  for (const service of SERVICE_NAMES) profiled.set(system.pid(service)!, service);
  const completions = await Completions.start(system.broker.urlOf('order'), system.namespace);
  const placed: Sample[] = [];
  let exitCode = 0;
  try {
    const catalog = await seed({ inventory: system.url('inventory'), billing: system.url('billing') });
    const databases = SERVICE_NAMES.map((service) => system.databaseUrls[service]);
    const ours = viaBroker(system.url('order'), completions);

    // Warm-up, then the closed loop: the most the system completes, and what each saga costs.
    await closedLoop(ours, catalog, mix, { concurrency, durationMs: 2000 });
    const pids = () => perService((service) => system.pid(service));
    const measureClosedLoop = async (label: string) => {
      const txBefore = await transactions(databases);
      const msgBefore = await published(system);
      const cpuBefore = cpuTimes(pids());
      const loop = await timed(label, seconds * 1000, () => closedLoop(ours, catalog, mix, { concurrency, durationMs: seconds * 1000 }));
      placed.push(...loop.samples);
      return {
        ...loop,
        cpu: cpuPerSaga(cpuBefore, cpuTimes(pids()), loop.samples.length),
        txPerSaga: ((await transactions(databases)) - txBefore) / loop.samples.length,
        msgsPerSaga: ((await published(system)) - msgBefore) / loop.samples.length,
      };
    };
    const closed = await measureClosedLoop('closed loop');
    const { cpu, txPerSaga, msgsPerSaga } = closed;
    const maxRate = closed.samples.length / closed.seconds;

    // The peers, right after (the same saga, clients, mix and phases, each in a process of
    // its own), then our closed loop once more: the machine's speed drifts, and the peers are
    // compared with ours measured before and after them.
    const peers = opts.peers ? await runPeers({ concurrency, seconds, mix, timed, nodeArgs, onStart: (peer, pid) => profiled.set(pid, `peer ${peer}`) }) : undefined;
    const closedAgain = peers ? await measureClosedLoop('closed loop, again') : undefined;

    // Ceilings of this machine, same drivers and concurrency, right after the closed loop (after
    // the peers, with --peers): the machine's speed drifts over minutes, and the ratio should
    // compare like with like.
    const scratch = await createTestDatabase('bench_ceiling');
    const ceilingCpuBefore = cpuTimes({});
    const pgTx = await timed('PostgreSQL ceiling', 5000, () => postgresCeiling(scratch, concurrency, quick ? 5000 : 10_000));
    // The machine's CPU per ceiling transaction (approximate: the run's length is taken from the rate).
    const ceilingCpuMs = cpuPerSaga(ceilingCpuBefore, cpuTimes({}), pgTx * (quick ? 5 : 10))?.machine;
    await dropDatabase(scratch);
    const brokerMsgs = await timed('RabbitMQ ceiling', 5000, () => brokerCeiling(amqpUrl, concurrency, quick ? 5000 : 10_000));
    const ceiling = Math.min(pgTx / txPerSaga, brokerMsgs / msgsPerSaga);

    // The open loop at half the maximum (or the rate asked for): latency at a steady load.
    const rate = opts.rate ?? Math.max(1, Math.floor(maxRate / 2));
    const open = await timed(`open loop at ${rate}/s`, seconds * 1000, () =>
      openLoop(ours, catalog, mix, { rate, durationMs: seconds * 1000 }),
    );
    placed.push(...open.samples);
    const sampleIds = open.samples.slice(0, 200).map((s) => s.orderId);
    const histories = (await Promise.all(sampleIds.map(async (id) => (await fetch(`${system.url("order")}/api/orders/${id}/saga`)).json()))) as Array<{ createdAt: string; history: Array<{ step: string; timestamp: string }> }>;

    // Relay comparison.
    let relays: { ours: Awaited<ReturnType<typeof ourRelay>>; peer: Awaited<ReturnType<typeof peerRelay>> } | undefined;
    if (!opts.skipRelays) {
      const ourDb = await createTestDatabase('bench_relay_ours');
      const peerDb = await createTestDatabase('bench_relay_peer');
      const offeredMs = quick ? 3000 : 10_000;
      const ours = await timed('relay: ours', offeredMs, () => ourRelay(ourDb, amqpUrl, relayRows, 500, offeredMs));
      const peer = await timed('relay: pg-transactional-outbox', offeredMs, () => peerRelay(peerDb, amqpUrl, relayRows, 500, offeredMs));
      await dropDatabase(ourDb);
      await dropDatabase(peerDb);
      relays = { ours, peer };
    }

    const topo = topology(system.namespace);
    const broken = await brokenInvariants(
      system.databaseUrls,
      SERVICE_NAMES.map((service) => ({ queue: topo.errorQueue(service), amqpUrl: system.broker.urlOf(service) })),
      catalog,
    );

    const e2eClosed = percentiles(closed.samples.map((s) => s.latencyMs));
    const e2eOpen = percentiles(open.samples.map((s) => s.latencyMs));
    const result = {
      at: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` },
      versions: await versions(),
      settings: { quick, concurrency, seconds, mix, relayRows, openRate: rate },
      saga: {
        completedPerSecond: round(maxRate),
        closedLoopLatencyMs: e2eClosed,
        openLoop: { offeredPerSecond: rate, achievedPerSecond: round(open.samples.length / open.seconds), latencyMs: e2eOpen },
        stepLatencyMs: stepLatencies(histories),
        transactionsPerSaga: round(txPerSaga, 2),
        brokerMessagesPerSaga: round(msgsPerSaga, 2),
        /** CPU ms per saga in the closed loop, by process (Linux), and the sagas/s the machine's cores allow at that cost. */
        cpuMsPerSaga: cpu,
        cpuBoundSagasPerSecond: cpu?.machine ? round((os.cpus().length * 1000) / cpu.machine) : undefined,
      },
      /** CPU ms per transaction of the PostgreSQL ceiling, and the share of a saga's CPU its transactions alone would take at that cost. */
      ceilingCpu: ceilingCpuMs && cpu?.machine
        ? { msPerTransaction: round(ceilingCpuMs, 3), transactionsShareOfSagaCpu: round((ceilingCpuMs * txPerSaga) / cpu.machine, 3) }
        : undefined,
      ceilings: {
        postgresTransactionsPerSecond: round(pgTx),
        brokerMessagesPerSecond: round(brokerMsgs),
        sagasPerSecond: round(ceiling),
        achievedOverCeiling: round(maxRate / ceiling, 3),
      },
      relays: relays && {
        ours: { drainRowsPerSecond: round(relays.ours.drainRowsPerSecond), delayMs: relays.ours.delay },
        peer: { drainRowsPerSecond: round(relays.peer.drainRowsPerSecond), delayMs: relays.peer.delay },
        drainRatio: round(relays.ours.drainRowsPerSecond / relays.peer.drainRowsPerSecond, 1),
      },
      invariants: broken.length === 0 ? 'held' : broken,
      peers: peers && comparePeers(
        { completedPerSecond: round(maxRate), transactionsPerSaga: round(txPerSaga, 2), cpuMsPerSaga: cpu, closedLoopLatencyMs: e2eClosed, openLoop: { offeredPerSecond: rate, achievedPerSecond: round(open.samples.length / open.seconds), latencyMs: e2eOpen } },
        broken.length === 0 ? 'held' : broken,
        peers,
        closedAgain && {
          completedPerSecond: round(closedAgain.samples.length / closedAgain.seconds),
          transactionsPerSaga: round(closedAgain.txPerSaga, 2),
          cpuMsPerSaga: closedAgain.cpu,
          closedLoopLatencyMs: percentiles(closedAgain.samples.map((s) => s.latencyMs)),
        },
      ),
      seconds: round((Date.now() - started) / 1000),
    };

    const rows: Array<[string, string]> = [
      ['completed sagas/s (closed loop)', `${result.saga.completedPerSecond}`],
      ['ceiling sagas/s', `${result.ceilings.sagasPerSecond}  (min of ${result.ceilings.postgresTransactionsPerSecond} tx/s / ${result.saga.transactionsPerSaga} tx per saga, ${result.ceilings.brokerMessagesPerSecond} msg/s / ${result.saga.brokerMessagesPerSaga} msgs per saga)`],
      ['achieved / ceiling', `${round(result.ceilings.achievedOverCeiling * 100)} %`],
      ...(cpu
        ? ([
            ['CPU per saga (closed loop)', `${cpu.machine} ms: ${Object.entries(cpu).filter(([name]) => name !== 'machine').map(([name, ms]) => `${name} ${ms}`).join(', ')}`],
            ['sagas/s the cores allow at that cost', `${result.saga.cpuBoundSagasPerSecond}  (${os.cpus().length} cores x 1000 ms / ${cpu.machine} ms)`],
            ...(result.ceilingCpu
              ? ([
                  [
                    'its transactions alone would use',
                    `${round(result.ceilingCpu.transactionsShareOfSagaCpu * 100)} % of that  (${result.saga.transactionsPerSaga} tx x ${result.ceilingCpu.msPerTransaction} ms, the ceiling's CPU per tx)`,
                  ],
                ] as Array<[string, string]>)
              : []),
          ] as Array<[string, string]>)
        : []),
      ['end-to-end, closed loop', fmt(e2eClosed)],
      [`end-to-end at ${rate}/s (open loop)`, fmt(e2eOpen)],
      ...Object.entries(result.saga.stepLatencyMs).map(([step, p]) => [`  step ${step}`, fmt(p)] as [string, string]),
      ...(result.relays
        ? ([
            ['relay drain: ours', `${result.relays.ours.drainRowsPerSecond} rows/s${relays!.ours.drained ? '' : ' (not drained within 120 s)'}`],
            ['relay drain: pg-transactional-outbox', `${result.relays.peer.drainRowsPerSecond} rows/s${relays!.peer.drained ? '' : ' (not drained within 120 s)'}`],
            ['relay drain ratio', `${result.relays.drainRatio}x`],
            ['insert-to-publish at 500/s: ours', fmt(result.relays.ours.delayMs)],
            ['insert-to-publish at 500/s: peer', fmt(result.relays.peer.delayMs)],
          ] as Array<[string, string]>)
        : []),
      ['invariants', broken.length === 0 ? 'held' : `BROKEN: ${broken.join('; ')}`],
    ];
    say('');
    for (const [name, value] of rows) say(`  ${name.padEnd(38)} ${value}`);
    if (result.peers) {
      say('');
      for (const line of peerTable(result.peers, SERVICE_NAMES)) say(line);
    }
    const peersBroken = peers ? Object.entries(peers).flatMap(([name, peer]) => (peer.invariants === 'held' ? [] : peer.invariants.map((text) => `${name}: ${text}`))) : [];
    const folder = path.resolve(__dirname, '..', 'results');
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${result.at.replaceAll(':', '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    say(`\n  written to ${path.relative(process.cwd(), file)} (${result.seconds} s)`);
    if (broken.length > 0) {
      process.stderr.write(`\nINVARIANTS BROKEN: ${broken.join('; ')}\n`);
      exitCode = 1;
    }
    if (peersBroken.length > 0) {
      process.stderr.write(`\nPEER INVARIANTS BROKEN: ${peersBroken.join('; ')}\n`);
      exitCode = 1;
    }
  } finally {
    await completions.stop();
    await system.stop();
  }
  if (opts.profile) {
    // Written by each process as it exits: the services have just stopped.
    say(`\n  where each process's CPU went (its whole run, start-up excepted; the profiles, for Chrome DevTools, are in ${path.relative(process.cwd(), profiles)}):`);
    for (const line of profileSummary(profiles, profiled)) say(line);
  }
  return exitCode;
}

function fmt(p: { count: number; p50: number; p95: number; p99: number; max: number }): string {
  return `p50 ${round(p.p50)} ms  p95 ${round(p.p95)} ms  p99 ${round(p.p99)} ms  max ${round(p.max)} ms  (n=${p.count})`;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`benchmark failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
