import { round } from '../stats';
import type { CpuTimes } from '../cpu';
import { PEER_NAMES, type PeerName } from './engine';
import type { PeerResult, SystemResult } from './runPeers';

/** Ours against each peer: how many times the peer's sagas/s ours completes, and how many times its CPU per saga ours spends. */
export interface OursOverPeer {
  sagasPerSecond: number | undefined;
  cpuMsPerSaga: number | undefined;
}

/** Our closed loop measured once more, after the peers (its open loop is not run again). */
export type ClosedLoopResult = Omit<SystemResult, 'openLoop'>;

export type PeerComparison = { ours: SystemResult & { invariants: 'held' | string[] }; oursAgain?: ClosedLoopResult } & Record<PeerName, PeerResult & { oursOverPeer: OursOverPeer }>;

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? round(a / b, 2) : undefined);

const mean = (values: Array<number | undefined>) => {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length > 0 ? known.reduce((sum, value) => sum + value, 0) / known.length : undefined;
};

/**
 * The results block `peers` of the JSON: every system's numbers, and ours over each peer's.
 * With our closed loop measured again after the peers, the ratios take the mean of the two.
 */
export function comparePeers(ours: SystemResult, oursInvariants: 'held' | string[], peers: Record<PeerName, PeerResult>, oursAgain?: ClosedLoopResult): PeerComparison {
  const compared = { ours: { ...ours, invariants: oursInvariants }, ...(oursAgain ? { oursAgain } : {}) } as PeerComparison;
  const runs = [ours, ...(oursAgain ? [oursAgain] : [])];
  const sagasPerSecond = mean(runs.map((run) => run.completedPerSecond));
  const cpuMsPerSaga = mean(runs.map((run) => run.cpuMsPerSaga?.machine));
  for (const name of PEER_NAMES) {
    const peer = peers[name];
    compared[name] = {
      ...peer,
      oursOverPeer: { sagasPerSecond: ratio(sagasPerSecond, peer.completedPerSecond), cpuMsPerSaga: ratio(cpuMsPerSaga, peer.cpuMsPerSaga?.machine) },
    };
  }
  return compared;
}

/** CPU ms per saga of the system itself: our services together, or the peer's process. */
function ownCpu(cpu: CpuTimes | undefined, own: readonly string[]): number | undefined {
  return cpu ? round(own.reduce((sum, name) => sum + (cpu[name] ?? 0), 0), 2) : undefined;
}

const cell = (value: number | string | undefined, width: number) => String(value ?? '-').padStart(width);

/** The comparison as a compact table, a line each. */
export function peerTable(compared: PeerComparison, ourServices: readonly string[]): string[] {
  const header = `  ${'system'.padEnd(9)}${cell('sagas/s', 8)}${cell('tx/saga', 8)}${cell('CPU ms/saga: machine', 21)}${cell('own', 7)}${cell('pg', 7)}${cell('broker', 7)}${cell('bench', 7)}${cell('closed p50/p99', 16)}${cell('open p50/p99 at rate', 24)}${cell('ours/peer: sagas/s', 19)}${cell('CPU', 6)}  invariants`;
  const lines = [
    `  peers: the same saga under the same load ("own" is our four services together, or the peer's one process; ms; ours/peer uses the mean of our two closed loops)`,
    header,
  ];
  const row = (name: string, system: ClosedLoopResult & { openLoop?: SystemResult['openLoop'] }, own: readonly string[], versus?: OursOverPeer, invariants = '') => {
    const cpu = system.cpuMsPerSaga;
    const closed = system.closedLoopLatencyMs;
    const open = system.openLoop && `${round(system.openLoop.latencyMs.p50)}/${round(system.openLoop.latencyMs.p99)} at ${system.openLoop.offeredPerSecond}/s`;
    lines.push(
      `  ${name.padEnd(9)}${cell(system.completedPerSecond, 8)}${cell(system.transactionsPerSaga, 8)}${cell(cpu?.machine, 21)}${cell(ownCpu(cpu, own), 7)}` +
        `${cell(cpu?.postgres, 7)}${cell(cpu?.rabbitmq, 7)}${cell(cpu?.benchmark, 7)}` +
        `${cell(`${round(closed.p50)}/${round(closed.p99)}`, 16)}${cell(open, 24)}${cell(versus?.sagasPerSecond, 19)}${cell(versus?.cpuMsPerSaga, 6)}  ${invariants}`,
    );
  };
  const held = (invariants: 'held' | string[]) => (invariants === 'held' ? 'held' : `BROKEN (${invariants.length})`);
  row('ours', compared.ours, ourServices, undefined, held(compared.ours.invariants));
  for (const name of PEER_NAMES) row(name, compared[name], [name], compared[name].oursOverPeer, held(compared[name].invariants));
  if (compared.oursAgain) row('ours, 2nd', compared.oursAgain, ourServices);
  return lines;
}
