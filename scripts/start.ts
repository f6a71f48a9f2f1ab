/**
 * `npm start [-- --replicas N]`: provisions the broker (the saga's vhost, one user per
 * service, their permissions; see README "Security"), then runs every service of
 * services/registry.ts as N processes (REPLICAS, default 1), each with its outbox relay,
 * consumer and sweepers, competing for the same queue and rows, and prints their URLs once
 * each answers GET /health, with the console's URL and, when none is configured, an
 * operator token generated for this run (the console is read-only without one). Replica r
 * of a service is `<service>-r` (REPLICA_ID) and listens on the service's port + 100 (r - 1).
 * If one cannot start (PostgreSQL or RabbitMQ unreachable, say), its reason is printed and
 * everything stops with a non-zero exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { provisionServiceUsers } from '@saga/shared';
import { participantOf, serviceConfig, SERVICE_NAMES } from '../services/registry';

const root = path.resolve(__dirname, '..');
const services = SERVICE_NAMES;
const children = new Map<string, ChildProcess>();
let stopping = false;

/** How many processes of each service: `--replicas N` (or `--replicas=N`), else REPLICAS, else 1. */
function replicaCount(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  const at = argv.findIndex((arg) => arg === '--replicas' || arg.startsWith('--replicas='));
  const flag = at >= 0 ? argv[at]! : undefined;
  const given = flag === undefined ? env.REPLICAS : flag.includes('=') ? flag.slice('--replicas='.length) : argv[at + 1];
  if (flag === undefined && (given === undefined || given === '')) return 1;
  const count = Number(given);
  if (given === undefined || given === '' || !Number.isInteger(count) || count < 1 || count > 16) {
    throw new Error(`${flag === undefined ? 'REPLICAS' : '--replicas'} must be a whole number from 1 to 16, not ${given === undefined ? 'missing' : JSON.stringify(given)}`);
  }
  return count;
}

/** Replica r's HTTP port: the service's own for the first, then 100 apart. */
const REPLICA_PORT_STEP = 100;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  const deadline = setTimeout(() => process.exit(code), 10_000);
  deadline.unref();
  void Promise.all([...children.values()].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(
    () => process.exit(code),
  );
}

async function waitHealthy(url: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 300 && child.exitCode === null; i += 1) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** The operator token of this run: the configured one, or one made now (printed, never written anywhere). */
function operatorToken(): { env: NodeJS.ProcessEnv; generated?: string } {
  if (process.env.OPERATOR_TOKEN || process.env.OPERATOR_TOKENS) return { env: process.env };
  const generated = randomBytes(24).toString('base64url');
  return { env: { ...process.env, OPERATOR_TOKEN: generated }, generated };
}

async function main(): Promise<void> {
  const replicas = replicaCount(process.argv.slice(2), process.env);
  const { env, generated } = operatorToken();
  if (process.env.BROKER_PROVISION !== 'false') {
    const { vhost, namespace, via } = await provisionServiceUsers(services, process.env);
    process.stdout.write(`RabbitMQ: vhost ${vhost} provisioned for ${services.join(', ')} (namespace ${namespace}, through the ${via})\n`);
  }
  const processes = services.flatMap((service) => {
    const { port } = serviceConfig(service);
    if (port === 0 && replicas > 1) throw new Error(`${service.toUpperCase()}_PORT=0 (a free port) cannot be shared out among replicas: give a port, replica r takes it + ${REPLICA_PORT_STEP} (r - 1)`);
    return Array.from({ length: replicas }, (_, index) => {
      const replica = `${service}-${index + 1}`;
      const replicaPort = port + index * REPLICA_PORT_STEP;
      return { service, replica, port: replicaPort, url: `http://127.0.0.1:${replicaPort}` };
    });
  });
  // Where the console (in the order service) finds every replica of each service.
  const replicaUrls = Object.fromEntries(
    services.map((service) => [`${service.toUpperCase()}_URLS`, processes.filter((each) => each.service === service).map(({ url }) => url).join(',')]),
  );
  for (const { service, replica, port } of processes) {
    const child = spawn(process.execPath, ['--import', 'tsx', participantOf(service).main], {
      cwd: root,
      stdio: 'inherit',
      // Only the order service takes operator actions.
      env: { ...(service === 'order' ? { ...env, ...replicaUrls } : process.env), REPLICA_ID: replica, [`${service.toUpperCase()}_PORT`]: String(port) },
    });
    children.set(replica, child);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`${replica} exited (${signal ?? `code ${code}`}); stopping the others\n`);
      stopAll(code || 1);
    });
  }
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  const healthy = await Promise.all(processes.map(({ replica, url }) => waitHealthy(url, children.get(replica)!)));
  if (stopping || !healthy.every(Boolean)) return;
  const width = Math.max(...processes.map(({ replica }) => replica.length));
  const lines = processes.map(({ replica, url }) => `  ${(replicas > 1 ? replica : replica.replace(/-1$/, '')).padEnd(width)} ${url}`);
  const consoleUrl = `${processes.find(({ service }) => service === 'order')!.url}/console/`;
  const token = generated ? `Operator token (generated for this run; set OPERATOR_TOKEN to choose one): ${generated}` : 'Operator token: the one configured in OPERATOR_TOKEN / OPERATOR_TOKENS';
  process.stdout.write(`\nAll services are up:\n${lines.join('\n')}\n\nConsole: ${consoleUrl}\n${token}\nPress Ctrl+C to stop.\n\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  stopAll(1);
});
