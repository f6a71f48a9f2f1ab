import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@saga/shared/testing';
import { perService } from '../../../services/registry';
import { cpuPerSaga, cpuTimes, type CpuTimes } from '../cpu';
import { brokenInvariants } from '../invariants';
import { closedLoop, openLoop, viaPeer, type Mix, type Sample } from '../load';
import { percentiles, round, sleep, type Percentiles } from '../stats';
import { transactions } from '../transactions';
import { createPeerDatabases, dropPeerDatabases, seedPeer, type PeerDatabases } from './database';
import { PEER_NAMES, type PeerName } from './engine';

const root = path.resolve(__dirname, '..', '..', '..');

/**
 * Connections each peer may open: 20, as two of our services' pools (10 each). DBOS opens
 * two pools (its system database, the data source), 10 each, its defaults; graphile-worker
 * runs 16 jobs at once on a pool of 20 (its own queries take the rest).
 */
const POOLS: Record<PeerName, { poolSize: number; concurrency: number }> = {
  dbos: { poolSize: 10, concurrency: 0 },
  graphile: { poolSize: 20, concurrency: 16 },
  sql: { poolSize: 20, concurrency: 0 },
};

/** What the bench reports of a system (ours, or a peer) under the same load. */
export interface SystemResult {
  completedPerSecond: number;
  /** Database transactions per saga in the closed loop (all of the system's databases). */
  transactionsPerSaga: number;
  /** CPU ms per saga in the closed loop, by process (Linux). */
  cpuMsPerSaga: CpuTimes | undefined;
  closedLoopLatencyMs: Percentiles;
  openLoop: { offeredPerSecond: number; achievedPerSecond: number; latencyMs: Percentiles };
}

export interface PeerResult extends SystemResult {
  /** The packages the peer runs on, with their installed versions. */
  packages: string;
  invariants: 'held' | string[];
}

const PACKAGES: Record<PeerName, string[]> = {
  dbos: ['@dbos-inc/dbos-sdk', '@dbos-inc/postgres-datasource'],
  graphile: ['graphile-worker', 'pg'],
  sql: ['pg'],
};

/** "name version" of an installed package, read from the package.json above its entry point. */
function installed(name: string): string {
  let folder = path.dirname(require.resolve(name));
  while (path.basename(folder) !== path.basename(name) && folder !== path.dirname(folder)) folder = path.dirname(folder);
  const { version } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { version: string };
  return `${name} ${version}`;
}

export interface PeerRunSettings {
  concurrency: number;
  seconds: number;
  mix: Mix;
  timed: <T>(label: string, ms: number, work: () => Promise<T>) => Promise<T>;
  /** Node options for the peer's process (a CPU profile, with --profile). */
  nodeArgs?: readonly string[];
  /** Told each peer's process id once it runs (to name its CPU profile). */
  onStart?: (peer: PeerName, pid: number) => void;
}

/** The peer's process, serving on its port, its output in a log file. */
async function startPeer(peer: PeerName, databases: PeerDatabases, nodeArgs: readonly string[]) {
  const port = await freePort();
  const log = path.join(os.tmpdir(), `bench-peer-${peer}-${process.pid}.log`);
  const out = createWriteStream(log, { flags: 'a' });
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(__dirname, 'peerProcess.ts'), peer], {
    cwd: root,
    env: {
      ...process.env,
      PEER_DATABASE_URL: databases.databaseUrl,
      PEER_SYSTEM_DATABASE_URL: databases.systemDatabaseUrl,
      PEER_PORT: String(port),
      PEER_POOL_SIZE: String(POOLS[peer].poolSize),
      PEER_CONCURRENCY: String(POOLS[peer].concurrency),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${peer} peer exited with ${child.exitCode}; see ${log}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the ${peer} peer did not answer /health within 60 s; see ${log}`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    log,
    /** SIGTERM, then SIGKILL if it has not exited 15 s later. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const overdue = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(overdue);
    },
  };
}

/** Orders that ended otherwise than their kind says: a happy one must complete, every other one fail. */
function wrongOutcomes(samples: Sample[]): string[] {
  const wrong = samples.filter((s) => s.status !== (s.kind === 'happy' ? 'Completed' : 'Failed'));
  return wrong.length === 0 ? [] : [`${wrong.length} orders ended otherwise than their kind (first: ${wrong[0]!.kind} ended ${wrong[0]!.status ?? 'without a status'})`];
}

/**
 * One peer, as ours is measured: its own databases (seeded like ours), its process, a
 * warm-up, the closed loop (sagas/s, CPU per saga by process), the open loop at half its
 * own maximum, then the invariants on its database and the outcome of every order.
 */
export async function runPeer(peer: PeerName, { concurrency, seconds, mix, timed, nodeArgs = [], onStart }: PeerRunSettings): Promise<PeerResult> {
  const databases = await createPeerDatabases(peer);
  let running: Awaited<ReturnType<typeof startPeer>> | undefined;
  try {
    const catalog = await seedPeer(databases.databaseUrl);
    running = await startPeer(peer, databases, nodeArgs);
    onStart?.(peer, running.pid);
    const place = viaPeer(running.url);
    const warmUp = await closedLoop(place, catalog, mix, { concurrency, durationMs: 2000 });
    const pids = { [peer]: running.pid };
    const peerDatabases = [databases.databaseUrl, databases.systemDatabaseUrl].filter(Boolean);
    const txBefore = await transactions(peerDatabases);
    const cpuBefore = cpuTimes(pids);
    const closed = await timed(`peer ${peer}: closed loop`, seconds * 1000, () => closedLoop(place, catalog, mix, { concurrency, durationMs: seconds * 1000 }));
    const cpu = cpuPerSaga(cpuBefore, cpuTimes(pids), closed.samples.length);
    const txPerSaga = ((await transactions(peerDatabases)) - txBefore) / closed.samples.length;
    const maxRate = closed.samples.length / closed.seconds;
    const rate = Math.max(1, Math.floor(maxRate / 2));
    const open = await timed(`peer ${peer}: open loop at ${rate}/s`, seconds * 1000, () => openLoop(place, catalog, mix, { rate, durationMs: seconds * 1000 }));
    await running.stop();
    const broken = [
      ...wrongOutcomes([...warmUp.samples, ...closed.samples, ...open.samples]),
      ...(await brokenInvariants(perService(() => databases.databaseUrl), [], catalog)),
    ];
    return {
      packages: PACKAGES[peer].map(installed).join(', '),
      completedPerSecond: round(maxRate),
      transactionsPerSaga: round(txPerSaga, 2),
      cpuMsPerSaga: cpu,
      closedLoopLatencyMs: percentiles(closed.samples.map((s) => s.latencyMs)),
      openLoop: {
        offeredPerSecond: rate,
        achievedPerSecond: round(open.samples.length / open.seconds),
        latencyMs: percentiles(open.samples.map((s) => s.latencyMs)),
      },
      invariants: broken.length === 0 ? 'held' : broken,
    };
  } catch (error) {
    if (running) (error as Error).message += ` (the ${peer} peer's log: ${running.log})`;
    throw error;
  } finally {
    await running?.stop();
    await dropPeerDatabases(databases);
  }
}

/** Every peer, one after another. */
export async function runPeers(settings: PeerRunSettings): Promise<Record<PeerName, PeerResult>> {
  const results = {} as Record<PeerName, PeerResult>;
  for (const peer of PEER_NAMES) results[peer] = await runPeer(peer, settings);
  return results;
}
