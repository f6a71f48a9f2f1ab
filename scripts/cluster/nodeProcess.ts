import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { nodeEnv } from './environment';
import type { ClusterLayout, NodeLayout } from './layout';

/** Begins what a node prints at each start in its stdout.log. */
const START_MARK = '--- ';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` is the beam.smp of `node` in this state dir: yes/no, or undefined where /proc cannot tell (not Linux). */
function isNodeVm(pid: number, layout: ClusterLayout, node: NodeLayout): boolean | undefined {
  let comm: string;
  let environ: string[];
  try {
    comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return existsSync('/proc/self/environ') ? false : undefined;
  }
  return comm === 'beam.smp' && environ.includes(`RABBITMQ_NODENAME=${node.name}`) && environ.includes(`HOME=${layout.stateDir}`);
}

/**
 * The OS pid of `node`'s Erlang VM, or undefined when it does not run. The pid file comes
 * first; one left by a crash (its process gone, or the pid taken by another process) is
 * ignored, and a VM whose pid file is missing (an earlier run's) is found through /proc.
 */
export function nodePid(layout: ClusterLayout, node: NodeLayout): number | undefined {
  const fromFile = readPidFile(node.pidFile);
  if (Number.isInteger(fromFile) && fromFile > 0 && alive(fromFile) && isNodeVm(fromFile, layout, node) !== false) return fromFile;
  if (!existsSync('/proc/self/environ')) return undefined;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid !== fromFile && isNodeVm(pid, layout, node)) return pid;
  }
  return undefined;
}

function readPidFile(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return NaN; // none, or removed as the node stopped
  }
}

/** Waits until `pid` has exited; false when it still runs at the deadline. */
export async function waitExit(pid: number, deadline: number): Promise<boolean> {
  while (alive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** Fails, naming the port, when another process holds one of the ports `node` is about to listen on. */
export async function assertPortsFree(node: NodeLayout): Promise<void> {
  for (const [what, port] of [['AMQP', node.amqpPort], ['management', node.managementPort], ['distribution', node.distPort]] as const) {
    if (await portOpen(port)) throw new Error(`${node.name} cannot start: its ${what} port ${port} is taken by another process (set CLUSTER_BASE_PORT to move the cluster)`);
  }
}

/**
 * Starts `node`'s rabbitmq-server in a session of its own (a Ctrl+C or the end of the caller
 * does not reach it), its output appended to stdout.log. Returns the script's process, which
 * lives as long as the VM (in the foreground it waits for it).
 */
export function spawnNode(layout: ClusterLayout, node: NodeLayout): ChildProcess {
  const server = path.join(layout.sbin, 'rabbitmq-server');
  if (!existsSync(server)) {
    throw new Error(`${server} not found: install RabbitMQ (apt-get install rabbitmq-server) or set CLUSTER_RABBITMQ_SBIN to the directory of its scripts`);
  }
  const out = openSync(node.stdoutFile, 'a');
  try {
    writeSync(out, `\n${START_MARK}${new Date().toISOString()} starting ${node.name}\n`);
    const child = spawn(server, [], { cwd: node.dir, env: nodeEnv(layout, node), detached: true, stdio: ['ignore', out, out] });
    child.unref();
    child.on('error', () => undefined); // surfaces as the node not starting, with its stdout.log named
    return child;
  } finally {
    closeSync(out);
  }
}

/** The last lines `node` printed to stdout.log since it was last started, for error messages. */
export function lastOutput(node: NodeLayout, lines = 15): string {
  let text: string;
  try {
    text = readFileSync(node.stdoutFile, 'utf8');
  } catch {
    return '';
  }
  const start = text.lastIndexOf(`\n${START_MARK}`);
  return text.slice(start + 1).trimEnd().split('\n').slice(-lines).join('\n');
}
