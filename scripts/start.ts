/**
 * `npm start`: provisions the broker (the saga's vhost, one user per service, their
 * permissions; see README "Security"), then runs every service of services/registry.ts
 * as a process of its own (each with its outbox relay and consumer) and prints their
 * URLs once each answers GET /health, with the console's URL and, when none is configured,
 * an operator token generated for this run (the console is read-only without one). If one
 * cannot start (PostgreSQL or RabbitMQ unreachable, say), its reason is printed and
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
  const { env, generated } = operatorToken();
  if (process.env.BROKER_PROVISION !== 'false') {
    const { vhost, namespace, via } = await provisionServiceUsers(services, process.env);
    process.stdout.write(`RabbitMQ: vhost ${vhost} provisioned for ${services.join(', ')} (namespace ${namespace}, through the ${via})\n`);
  }
  const urls = services.map((service) => {
    const config = serviceConfig(service);
    return { service, url: `http://127.0.0.1:${config.port}` };
  });
  for (const service of services) {
    const child = spawn(process.execPath, ['--import', 'tsx', participantOf(service).main], {
      cwd: root,
      stdio: 'inherit',
      env: service === 'order' ? env : process.env, // only the order service takes operator actions
    });
    children.set(service, child);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`${service} service exited (${signal ?? `code ${code}`}); stopping the others\n`);
      stopAll(code || 1);
    });
  }
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  const healthy = await Promise.all(urls.map(({ service, url }) => waitHealthy(url, children.get(service)!)));
  if (stopping || !healthy.every(Boolean)) return;
  const lines = urls.map(({ service, url }) => `  ${service.padEnd(Math.max(...services.map((name) => name.length)))} ${url}`);
  const consoleUrl = `${urls.find(({ service }) => service === 'order')!.url}/console/`;
  const token = generated ? `Operator token (generated for this run; set OPERATOR_TOKEN to choose one): ${generated}` : 'Operator token: the one configured in OPERATOR_TOKEN / OPERATOR_TOKENS';
  process.stdout.write(`\nAll services are up:\n${lines.join('\n')}\n\nConsole: ${consoleUrl}\n${token}\nPress Ctrl+C to stop.\n\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  stopAll(1);
});
