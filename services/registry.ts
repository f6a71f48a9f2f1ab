/**
 * The registry of services: the one place that names the saga's participants. `npm start`,
 * the broker provisioning, the DLQ tool, the benchmark, the test systems and the generated
 * infrastructure files (`npm run infra:generate`: docker-compose.yml, Dockerfile,
 * infra/postgres/init.sql, infra/rabbitmq/definitions.json, infra/prometheus/prometheus.yml)
 * all take their list of services from here; the kernel (@saga/shared) names none.
 *
 * Adding a participant: its package at services/<name>/, whose src/service.ts exports
 * `definition` (a ServiceModule) and whose src/main.ts starts it with
 * `serviceConfig('<name>')`; one entry below; then `npm run infra:generate`.
 *
 * A name is a broker user, the prefix of its queues (`<namespace>.<name>`), the context of
 * the messages it may publish (`domain.<name>.*`), the prefix of its variables
 * (`<NAME>_PORT`, `<NAME>_DATABASE_URL`, `<NAME>_AMQP_PASSWORD`, `<NAME>_RETRY_DELAYS_MS`)
 * and of its compose database role (`<name>_service`): lowercase letters and digits only.
 */
import path from 'node:path';
import { loadServiceConfig, type ServiceConfig, type ServiceDefinition, type ServiceEntry } from '@saga/shared';

/** One entry per service: its name, default HTTP port, default database, and what it reports about an order (the console shows it). */
export const REGISTRY = [
  { name: 'order', port: 3000, database: 'orders' },
  { name: 'inventory', port: 3001, database: 'inventory', orderReport: { what: 'reservations', path: '/api/reservations' } },
  { name: 'billing', port: 3002, database: 'billing', orderReport: { what: 'payments', path: '/api/payments' } },
  { name: 'shipping', port: 3003, database: 'shipping', orderReport: { what: 'shipments', path: '/api/shipments' } },
] as const satisfies readonly ServiceEntry[];

/** What a service's src/service.ts exports. */
export interface ServiceModule {
  /** The service as the kernel runs it, with its own settings read from `env`. */
  definition(env: NodeJS.ProcessEnv): ServiceDefinition;
}

/** A registered service, with what follows from its entry. */
export interface Participant<N extends string = string> extends ServiceEntry {
  readonly name: N;
  /** Default HTTP port (`<NAME>_PORT` overrides it). */
  readonly port: number;
  /** Default database name on the local PostgreSQL (`<NAME>_DATABASE_URL` overrides it). */
  readonly database: string;
  /** Its package, from the repository root: services/<name>. */
  readonly dir: string;
  /** Absolute path of its entry point, services/<name>/src/main.ts (what `npm start` and the process tests run). */
  readonly main: string;
  /**
   * Its ServiceDefinition, from services/<name>/src/service.ts, loaded on the first call
   * (importing the registry loads, and type-checks, no service's code).
   */
  definition(env: NodeJS.ProcessEnv): ServiceDefinition;
}

/** The name of a registered service. */
export type ParticipantName = (typeof REGISTRY)[number]['name'];

/** Every registered service's name, in registry order (the order `npm start` starts them in). */
export const SERVICE_NAMES: readonly ParticipantName[] = REGISTRY.map((entry) => entry.name);

const NAME = /^[a-z][a-z0-9]*$/;
for (const entry of REGISTRY as readonly ServiceEntry[]) {
  if (!NAME.test(entry.name)) throw new Error(`services/registry.ts: service name "${entry.name}" must be lowercase letters and digits`);
  if (!/^[a-z_][a-z0-9_]*$/.test(entry.database)) throw new Error(`services/registry.ts: database "${entry.database}" of ${entry.name} must be a plain lowercase identifier`);
}
for (const key of ['name', 'port', 'database'] as const) {
  const values = REGISTRY.map((entry) => entry[key]);
  const twice = values.find((value, i) => values.indexOf(value) !== i);
  if (twice !== undefined) throw new Error(`services/registry.ts: two services have ${key} ${twice}`);
}

export function isServiceName(name: string): name is ParticipantName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** The entry of a registered service. */
export function participantOf<N extends ParticipantName>(name: N): Participant<N> {
  const entry = REGISTRY.find((candidate) => candidate.name === name);
  if (!entry) throw new Error(`${name} is not a registered service (${SERVICE_NAMES.join(', ')})`);
  const dir = path.join(__dirname, name);
  return {
    ...entry,
    name,
    dir: `services/${name}`,
    main: path.join(dir, 'src', 'main.ts'),
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, see above
    definition: (env) => (require(path.join(dir, 'src', 'service')) as ServiceModule).definition(env),
  };
}

/** Every registered service's entry, in registry order. */
export const PARTICIPANTS: readonly Participant<ParticipantName>[] = SERVICE_NAMES.map((name) => participantOf(name));

/** A service's configuration from `env`, with the registry's defaults and every service's broker user. */
export function serviceConfig(name: ParticipantName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return loadServiceConfig(participantOf(name), env, SERVICE_NAMES);
}

/**
 * Where a service's HTTP API answers, as another process finds it: `<NAME>_URL`, else
 * 127.0.0.1 on its port. Read when asked, so a test system can say where a service it
 * started on a free port is.
 */
export function serviceUrl(name: ParticipantName, env: NodeJS.ProcessEnv = process.env): string {
  return env[`${name.toUpperCase()}_URL`] || `http://127.0.0.1:${serviceConfig(name, env).port}`;
}

/** Every replica's HTTP API (`<NAME>_URLS`, comma-separated, as `npm start -- --replicas N` sets it), else the one serviceUrl. */
export function replicaUrls(name: ParticipantName, env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env[`${name.toUpperCase()}_URLS`] ?? '').split(',').map((url) => url.trim()).filter(Boolean);
  return listed.length > 0 ? listed : [serviceUrl(name, env)];
}

/** One value per registered service. */
export function perService<T>(value: (name: ParticipantName) => T): Record<ParticipantName, T> {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, value(name)])) as Record<ParticipantName, T>;
}
