import { Client } from 'pg';
import { startService, type RunningService, type ServiceConfig } from '@saga/shared';
import { dropTestDatabase, TestBroker, TEST_POSTGRES_URL, uniqueName } from '@saga/shared/testing';
import { participantOf, perService, serviceConfig, SERVICE_NAMES, type ParticipantName as ServiceName } from '../../services/registry';

export { SERVICE_NAMES, type ServiceName };

/** The registry's services in this process, on free ports, with databases and a broker namespace of their own. */
export class TestSystem {
  readonly services = new Map<ServiceName, RunningService>();
  /** Further replicas started beside the services (see startReplica). */
  private readonly replicas: RunningService[] = [];

  private constructor(
    readonly namespace: string,
    readonly configs: Record<ServiceName, ServiceConfig>,
    private readonly env: NodeJS.ProcessEnv,
    /** The system's own vhost, with the services' users. */
    readonly broker: TestBroker,
  ) {}

  /** Starts `services` (all of them unless told) with `env` added to the environment (timeouts, retry delays...). */
  static async start(
    name: string,
    { services = SERVICE_NAMES, env: extra = {} }: { services?: readonly ServiceName[]; env?: NodeJS.ProcessEnv } = {},
  ): Promise<TestSystem> {
    const namespace = uniqueName(name).replaceAll('_', '-');
    const broker = await TestBroker.provision(namespace, SERVICE_NAMES);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AMQP_URL: broker.url,
      MESSAGING_NAMESPACE: namespace,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...extra,
    };
    for (const service of SERVICE_NAMES) {
      const url = new URL(TEST_POSTGRES_URL);
      url.pathname = `/${namespace.replaceAll('-', '_')}_${service}`;
      env[`${service.toUpperCase()}_DATABASE_URL`] = url.toString();
      env[`${service.toUpperCase()}_PORT`] = '0';
    }
    const configs = perService((service) => serviceConfig(service, env));
    const system = new TestSystem(namespace, configs, env, broker);
    for (const service of services) await system.startService(service);
    return system;
  }

  url(service: ServiceName): string {
    return this.get(service).url;
  }

  get(service: ServiceName): RunningService {
    const running = this.services.get(service);
    if (!running) throw new Error(`${service} is not running`);
    return running;
  }

  async startService(service: ServiceName): Promise<RunningService> {
    const running = await startService(participantOf(service).definition(this.env), this.configs[service]);
    this.services.set(service, running);
    this.env[`${service.toUpperCase()}_URL`] = running.url; // where the console finds it (serviceUrl)
    return running;
  }

  /** Starts another replica of `service` (same database, queue and broker user; replica id `replicaId`), stopped with the system. */
  async startReplica(service: ServiceName, replicaId: string): Promise<RunningService> {
    const running = await startService(participantOf(service).definition(this.env), { ...this.configs[service], replicaId });
    this.replicas.push(running);
    return running;
  }

  /** Runs SQL in a service's own database (a test's stand-in for a fault in one of its tables, say). */
  async sql(service: ServiceName, text: string): Promise<void> {
    const client = new Client({ connectionString: this.configs[service].databaseUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  }

  async stopService(service: ServiceName): Promise<void> {
    await this.services.get(service)?.stop();
    this.services.delete(service);
  }

  async stop(): Promise<void> {
    for (const replica of this.replicas.splice(0)) await replica.stop();
    for (const service of [...this.services.keys()]) await this.stopService(service);
    await this.broker.delete();
    for (const service of SERVICE_NAMES) await dropTestDatabase(this.configs[service].databaseUrl);
  }
}
