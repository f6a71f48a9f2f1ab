import { round } from '../stats';
import type { CpuTimes } from '../cpu';
import { PEER_NAMES, type PeerName } from './engine';
import type { PeerResult, SystemResult } from './runPeers';

/** Ours against each peer: how many times the peer's sagas/s ours completes, and how many times its CPU per saga ours spends. */
export interface OursOverPeer {
  sagasPerSecond: number | undefined;
  cpuMsPerSaga: number | undefined;
}

export type PeerComparison = { ours: SystemResult & { invariants: 'held' | string[] } } & Record<PeerName, PeerResult & { oursOverPeer: OursOverPeer }>;

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? round(a / b, 2) : undefined);

/** The results block `peers` of the JSON: every system's numbers, and ours over each peer's. */
export function comparePeers(ours: SystemResult, oursInvariants: 'held' | string[], peers: Record<PeerName, PeerResult>): PeerComparison {
  const compared = { ours: { ...ours, invariants: oursInvariants } } as PeerComparison;
  for (const name of PEER_NAMES) {
    const peer = peers[name];
    compared[name] = {
      ...peer,
      oursOverPeer: {
        sagasPerSecond: ratio(ours.completedPerSecond, peer.completedPerSecond),
        cpuMsPerSaga: ratio(ours.cpuMsPerSaga?.machine, peer.cpuMsPerSaga?.machine),
      },
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
  const lines = [`  peers: the same saga under the same load ("own" is our four services together, or the peer's one process; ms)`, header];
  for (const name of ['ours', ...PEER_NAMES] as const) {
    const system = compared[name];
    const cpu = system.cpuMsPerSaga;
    const closed = system.closedLoopLatencyMs;
    const open = system.openLoop;
    const versus = name === 'ours' ? undefined : compared[name].oursOverPeer;
    const invariants = system.invariants === 'held' ? 'held' : `BROKEN (${system.invariants.length})`;
    lines.push(
      `  ${name.padEnd(9)}${cell(system.completedPerSecond, 8)}${cell(system.transactionsPerSaga, 8)}${cell(cpu?.machine, 21)}${cell(ownCpu(cpu, name === 'ours' ? ourServices : [name]), 7)}` +
        `${cell(cpu?.postgres, 7)}${cell(cpu?.rabbitmq, 7)}${cell(cpu?.benchmark, 7)}` +
        `${cell(`${round(closed.p50)}/${round(closed.p99)}`, 16)}${cell(`${round(open.latencyMs.p50)}/${round(open.latencyMs.p99)} at ${open.offeredPerSecond}/s`, 24)}` +
        `${cell(versus?.sagasPerSecond, 19)}${cell(versus?.cpuMsPerSaga, 6)}  ${invariants}`,
    );
  }
  return lines;
}
