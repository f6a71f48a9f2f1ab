import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropTestDatabase, eventually, freePort, TcpProxy, TestBroker, TEST_ADMIN_URL, TEST_AMQP_URL, TEST_POSTGRES_URL, uniqueName } from '@saga/shared/testing';
import type { RunningSystem } from './api';
import { participantOf, SERVICE_NAMES, type ParticipantName as ServiceName } from '../../services/registry';

const root = path.resolve(__dirname, '..', '..');
/** How long a process may take to stop gracefully before it is killed. */
const GRACEFUL_STOP_MS = 15_000;

export interface ProcessSystemOptions {
  /** false: services reach their databases directly (for measuring, not for cutting). */
  proxies?: boolean;
  /** Arguments for each service's node (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Processes per service (replica r is `<service>-r`), sharing its database and queue. */
  replicas?: number;
  /** The broker to run on: the machine's by default, or a cluster's nodes (comma-separated) and management API. */
  broker?: { amqpUrl: string; adminUrl: string };
}

/** One process of a service: its replica number (1-based) and id. */
export interface Replica {
  service: ServiceName;
  index: number;
  id: string;
}

/**
 * The registry's services as real child processes, as `npm start` runs them (with
 * `replicas`, as `npm start -- --replicas N` does), so a test can kill -9 one, freeze it,
 * or start it again. Each service reaches its database through a TcpProxy that the test
 * can cut or slow down (shared by its replicas). Logs go to one file per replica under
 * the OS temp folder.
 */
export class ProcessSystem implements RunningSystem {
  private readonly children = new Map<string, ChildProcess>();
  private readonly frozen = new Set<string>();
  readonly logDir: string;

  private constructor(
    readonly namespace: string,
    private readonly env: Record<ServiceName, NodeJS.ProcessEnv>,
    private readonly ports: Map<string, number>,
    private readonly nodeArgs: string[],
    readonly replicaCount: number,
    readonly databaseProxies: Partial<Record<ServiceName, TcpProxy>>,
    /** Each service's database, reached directly (not through its proxy). */
    readonly databaseUrls: Record<ServiceName, string>,
    /** The system's own vhost, with the services' users. */
    readonly broker: TestBroker,
  ) {
    this.logDir = path.join(os.tmpdir(), namespace);
    mkdirSync(this.logDir, { recursive: true });
  }

  static async start(name: string, env: NodeJS.ProcessEnv = {}, options: ProcessSystemOptions = {}): Promise<ProcessSystem> {
    const { proxies: withProxies = true, nodeArgs = [], replicas = 1, broker: at = { amqpUrl: TEST_AMQP_URL, adminUrl: TEST_ADMIN_URL } } = options;
    const namespace = uniqueName(name).replaceAll('_', '-');
    const broker = await TestBroker.provision(namespace, SERVICE_NAMES, {}, at);
    const server = new URL(TEST_POSTGRES_URL);
    const perService = {} as Record<ServiceName, NodeJS.ProcessEnv>;
    const ports = new Map<string, number>();
    const proxies: Partial<Record<ServiceName, TcpProxy>> = {};
    const urls = {} as Record<ServiceName, string>;
    for (const service of SERVICE_NAMES) {
      for (let index = 1; index <= replicas; index += 1) ports.set(replicaId(service, index), await freePort());
      const direct = new URL(TEST_POSTGRES_URL);
      direct.pathname = `/${namespace.replaceAll('-', '_')}_${service}`;
      urls[service] = direct.toString();
      const viaProxy = new URL(direct);
      if (withProxies) {
        const proxy = await TcpProxy.start(server.hostname, Number(server.port || 5432));
        proxies[service] = proxy;
        viaProxy.hostname = '127.0.0.1';
        viaProxy.port = String(proxy.port);
      }
      perService[service] = {
        ...process.env,
        AMQP_URL: broker.url,
        RABBITMQ_ADMIN_URL: at.adminUrl,
        MESSAGING_NAMESPACE: namespace,
        LOG_LEVEL: 'info',
        [`${service.toUpperCase()}_DATABASE_URL`]: viaProxy.toString(),
        ...env,
      };
    }
    // Where each service finds the others' HTTP APIs (the order service's console asks them): their first replica.
    for (const service of SERVICE_NAMES) {
      for (const other of SERVICE_NAMES) {
        perService[service][`${other.toUpperCase()}_URL`] = `http://127.0.0.1:${ports.get(replicaId(other, 1))}`;
        perService[service][`${other.toUpperCase()}_URLS`] = Array.from({ length: replicas }, (_, i) => `http://127.0.0.1:${ports.get(replicaId(other, i + 1))}`).join(',');
        if (other !== service) perService[service][`${other.toUpperCase()}_DATABASE_URL`] = urls[other];
      }
    }
    const system = new ProcessSystem(namespace, perService, ports, nodeArgs, replicas, proxies, urls, broker);
    try {
      await Promise.all(SERVICE_NAMES.map((service) => system.startService(service)));
    } catch (error) {
      await system.stop().catch(() => undefined); // the processes that did start, the proxies, the vhost and the databases
      throw error;
    }
    return system;
  }

  /** Every process of `service`, running or not. */
  replicas(service: ServiceName): Replica[] {
    return Array.from({ length: this.replicaCount }, (_, i) => ({ service, index: i + 1, id: replicaId(service, i + 1) }));
  }

  /** A running (and not frozen) replica's URL, the first replica's when none runs. */
  url(service: ServiceName): string {
    const serving = this.replicas(service).find((r) => this.isRunning(service, r.index) && !this.frozen.has(r.id)) ?? this.replicas(service)[0]!;
    return this.replicaUrl(service, serving.index);
  }

  replicaUrl(service: ServiceName, index: number): string {
    return `http://127.0.0.1:${this.ports.get(replicaId(service, index))}`;
  }

  /** Starts every replica of the service not running (or only `index`), with extra environment (a fault flag, say), and waits until each answers /health. */
  async startService(service: ServiceName, extraEnv: NodeJS.ProcessEnv = {}, index?: number): Promise<void> {
    const starting = this.replicas(service).filter((r) => (index === undefined || r.index === index) && !this.isRunning(service, r.index));
    await Promise.all(starting.map((r) => this.startReplica(r, extraEnv)));
  }

  private async startReplica({ service, index, id }: Replica, extraEnv: NodeJS.ProcessEnv): Promise<void> {
    const log = createWriteStream(path.join(this.logDir, `${id}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [...this.nodeArgs, '--import', 'tsx', participantOf(service).main], {
      cwd: root,
      env: { ...this.env[service], REPLICA_ID: id, [`${service.toUpperCase()}_PORT`]: String(this.ports.get(id)), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.children.set(id, child);
    this.frozen.delete(id);
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`${id} exited with ${child.exitCode}; see ${this.logDir}/${id}.log`);
        return fetch(`${this.replicaUrl(service, index)}/health`).then((r) => r.ok, () => false);
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${id} to answer /health` },
    );
  }

  /** A replica's process id, while it runs. */
  pid(service: ServiceName, index = 1): number | undefined {
    return this.isRunning(service, index) ? this.children.get(replicaId(service, index))?.pid : undefined;
  }

  /** Whether the replica's process is alive (a frozen one is). */
  isRunning(service: ServiceName, index = 1): boolean {
    const child = this.children.get(replicaId(service, index));
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Resolves when the replica's process has exited (it crashed, or was killed). */
  exited(service: ServiceName, index = 1): Promise<void> {
    const child = this.children.get(replicaId(service, index));
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * Signals every replica of the service (or only `index`) and waits for them to exit; one
   * that has not stopped GRACEFUL_STOP_MS after a SIGTERM is killed.
   */
  async kill(service: ServiceName, signal: NodeJS.Signals = 'SIGKILL', index?: number): Promise<void> {
    const targets = this.replicas(service).filter((r) => index === undefined || r.index === index);
    await Promise.all(
      targets.map(async (r) => {
        const exited = this.exited(service, r.index);
        const child = this.children.get(r.id);
        if (this.frozen.has(r.id) && signal !== 'SIGKILL') child?.kill('SIGCONT'); // a stopped process cannot act on SIGTERM
        child?.kill(signal);
        this.frozen.delete(r.id);
        const overdue = setTimeout(() => child?.kill('SIGKILL'), GRACEFUL_STOP_MS);
        await exited;
        clearTimeout(overdue);
      }),
    );
  }

  /** SIGSTOP: the replica keeps its connections and its unacknowledged deliveries, and does nothing, until thawed. */
  freeze(service: ServiceName, index: number): void {
    const id = replicaId(service, index);
    this.children.get(id)?.kill('SIGSTOP');
    this.frozen.add(id);
  }

  thaw(service: ServiceName, index: number): void {
    const id = replicaId(service, index);
    this.children.get(id)?.kill('SIGCONT');
    this.frozen.delete(id);
  }

  async health(service: ServiceName, index?: number): Promise<{ status: number; body: any }> {
    const response = await fetch(`${index === undefined ? this.url(service) : this.replicaUrl(service, index)}/health`);
    return { status: response.status, body: await response.json() };
  }

  async stop(): Promise<void> {
    await Promise.all(SERVICE_NAMES.map((service) => this.kill(service, 'SIGTERM')));
    for (const proxy of Object.values(this.databaseProxies)) await proxy?.close();
    await this.broker.delete();
    for (const url of Object.values(this.databaseUrls)) await dropTestDatabase(url);
  }
}

const replicaId = (service: ServiceName, index: number) => `${service}-${index}`;
