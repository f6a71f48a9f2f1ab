import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dropTestDatabase, eventually, TcpProxy, TestBroker, TEST_POSTGRES_URL, uniqueName } from '@saga/shared/testing';
import type { RunningSystem } from './api';
import { participantOf, SERVICE_NAMES, type ParticipantName as ServiceName } from '../../services/registry';


const root = path.resolve(__dirname, '..', '..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The registry's services as real child processes, as `npm start` runs them, so a test can
 * kill -9 one and start it again. Each service reaches its database through a TcpProxy
 * that the test can cut. Logs go to one file per service under the OS temp folder.
 */
export class ProcessSystem implements RunningSystem {
  private readonly children = new Map<ServiceName, ChildProcess>();
  readonly logDir: string;

  private constructor(
    readonly namespace: string,
    private readonly env: Record<ServiceName, NodeJS.ProcessEnv>,
    private readonly ports: Record<ServiceName, number>,
    private readonly nodeArgs: string[],
    readonly databaseProxies: Partial<Record<ServiceName, TcpProxy>>,
    /** Each service's database, reached directly (not through its proxy). */
    readonly databaseUrls: Record<ServiceName, string>,
    /** The system's own vhost, with the services' users. */
    readonly broker: TestBroker,
  ) {
    this.logDir = path.join(os.tmpdir(), namespace);
    mkdirSync(this.logDir, { recursive: true });
  }

  /**
   * With `proxies: false` services reach their databases directly (for measuring, not for
   * cutting); `nodeArgs` go to each service's node (e.g. `--cpu-prof`).
   */
  static async start(
    name: string,
    env: NodeJS.ProcessEnv = {},
    { proxies: withProxies = true, nodeArgs = [] as string[] } = {},
  ): Promise<ProcessSystem> {
    const namespace = uniqueName(name).replaceAll('_', '-');
    const broker = await TestBroker.provision(namespace, SERVICE_NAMES);
    const server = new URL(TEST_POSTGRES_URL);
    const perService = {} as Record<ServiceName, NodeJS.ProcessEnv>;
    const ports = {} as Record<ServiceName, number>;
    const proxies: Partial<Record<ServiceName, TcpProxy>> = {};
    const urls = {} as Record<ServiceName, string>;
    for (const service of SERVICE_NAMES) {
      const prefix = service.toUpperCase();
      ports[service] = await freePort();
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
        MESSAGING_NAMESPACE: namespace,
        LOG_LEVEL: 'info',
        [`${prefix}_DATABASE_URL`]: viaProxy.toString(),
        [`${prefix}_PORT`]: String(ports[service]),
        ...env,
      };
    }
    // Where each service finds the others' HTTP APIs (the order service's console asks them).
    for (const service of SERVICE_NAMES) {
      for (const other of SERVICE_NAMES) {
        perService[service][`${other.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[other]}`;
        if (other !== service) perService[service][`${other.toUpperCase()}_DATABASE_URL`] = urls[other];
      }
    }
    const system = new ProcessSystem(namespace, perService, ports, nodeArgs, proxies, urls, broker);
    await Promise.all(SERVICE_NAMES.map((service) => system.startService(service)));
    return system;
  }

  url(service: ServiceName): string {
    return `http://127.0.0.1:${this.ports[service]}`;
  }

  /** Starts a service (with extra environment, e.g. a fault flag) and waits until /health answers 200. */
  async startService(service: ServiceName, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
    const log = createWriteStream(path.join(this.logDir, `${service}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [...this.nodeArgs, '--import', 'tsx', participantOf(service).main], {
      cwd: root,
      env: { ...this.env[service], ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.children.set(service, child);
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}; see ${this.logDir}/${service}.log`);
        return fetch(`${this.url(service)}/health`).then((r) => r.ok, () => false);
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${service} to answer /health` },
    );
  }

  /** The service's process id, while it runs. */
  pid(service: ServiceName): number | undefined {
    return this.isRunning(service) ? this.children.get(service)?.pid : undefined;
  }

  isRunning(service: ServiceName): boolean {
    const child = this.children.get(service);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Resolves when the service's process has exited (it crashed, or was killed). */
  exited(service: ServiceName): Promise<void> {
    const child = this.children.get(service);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async kill(service: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const exited = this.exited(service);
    this.children.get(service)?.kill(signal);
    await exited;
  }

  async health(service: ServiceName): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url(service)}/health`);
    return { status: response.status, body: await response.json() };
  }

  async stop(): Promise<void> {
    await Promise.all(SERVICE_NAMES.map((service) => this.kill(service, 'SIGTERM')));
    for (const proxy of Object.values(this.databaseProxies)) await proxy?.close();
    await this.broker.delete();
    for (const url of Object.values(this.databaseUrls)) await dropTestDatabase(url);
  }
}
