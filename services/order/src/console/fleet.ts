import { DEFAULT_AMQP_URL, openDatabase, serviceAmqpUrl, topology, type DatabaseHandle } from '@saga/shared';
import { participantOf, replicaUrls, serviceConfig, SERVICE_NAMES, type ParticipantName } from '../../../registry';

/** Where one service of the system is, as the console reaches it. */
export interface FleetMember {
  service: ParticipantName;
  /** Its HTTP API (its first replica's). */
  url: string;
  /** Each replica's HTTP API. */
  replicaUrls: string[];
  errorQueue: string;
  orderReport?: { what: string; path: string };
}

/**
 * The services the console looks at, from the registry and the environment (the same
 * variables each service reads: `<NAME>_DATABASE_URL`, `<NAME>_URLS`, `<NAME>_URL` or `<NAME>_PORT`,
 * AMQP_URL and the broker passwords). Like the DLQ tool, the console reads each service's
 * database and error queue as that service: it is an operator's tool (README, "Console").
 * Database pools are opened when first needed, small, and closed with the service.
 */
export class Fleet {
  private readonly pools = new Map<ParticipantName, DatabaseHandle>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** This service's own database, used as is. */
    private readonly own: { service: ParticipantName; database: DatabaseHandle },
  ) {}

  members(): FleetMember[] {
    const { errorQueue } = topology(serviceConfig('order', this.env).namespace);
    return SERVICE_NAMES.map((service) => {
      const { orderReport } = participantOf(service);
      const replicas = replicaUrls(service, this.env);
      return { service, url: replicas[0]!, replicaUrls: replicas, errorQueue: errorQueue(service), ...(orderReport ? { orderReport } : {}) };
    });
  }

  member(service: string): FleetMember | undefined {
    return this.members().find((member) => member.service === service);
  }

  database(service: ParticipantName): DatabaseHandle {
    if (service === this.own.service) return this.own.database;
    let pool = this.pools.get(service);
    if (!pool) {
      pool = openDatabase(serviceConfig(service, this.env).databaseUrl, { max: 2, connectTimeoutMs: 2000 });
      this.pools.set(service, pool);
    }
    return pool;
  }

  /** The broker URL with the service's own user: only it may read and republish its error queue. */
  amqpUrl(service: ParticipantName): string {
    return serviceAmqpUrl(this.env.AMQP_URL || DEFAULT_AMQP_URL, service, this.env, SERVICE_NAMES);
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }
}
