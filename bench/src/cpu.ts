import { readdirSync, readFileSync } from 'node:fs';

/** CPU time used so far (ms), by who used it: the services, PostgreSQL, RabbitMQ, the benchmark, the whole machine. */
export type CpuTimes = Record<string, number>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU milliseconds (user + system) of a process, from /proc; 0 once it is gone. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

function commandOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Reads the CPU times the run is split into. Linux only (returns undefined elsewhere).
 * PostgreSQL and RabbitMQ are found by their command lines, so all their processes count,
 * whatever database or connection they serve.
 */
export function cpuTimes(services: Record<string, number | undefined>): CpuTimes | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const times: CpuTimes = { postgres: 0, rabbitmq: 0 };
  for (const [name, pid] of Object.entries(services)) times[name] = pid ? processCpuMs(pid) : 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    const command = commandOf(pid);
    if (command.startsWith('postgres')) times.postgres! += processCpuMs(Number(pid));
    else if (command.includes('beam.smp') && command.includes('rabbit')) times.rabbitmq! += processCpuMs(Number(pid));
  }
  const usage = process.cpuUsage();
  times.benchmark = (usage.user + usage.system) / 1000;
  const machine = stat.split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const idle = (machine[3] ?? 0) + (machine[4] ?? 0);
  times.machine = (machine.reduce((sum, value) => sum + value, 0) - idle) * TICK_MS;
  return times;
}

/** CPU ms per saga between two readings, by who used it. */
export function cpuPerSaga(before: CpuTimes | undefined, after: CpuTimes | undefined, sagas: number): CpuTimes | undefined {
  if (!before || !after || sagas === 0) return undefined;
  return Object.fromEntries(Object.keys(after).map((name) => [name, Math.round(((after[name]! - (before[name] ?? 0)) / sagas) * 100) / 100]));
}
