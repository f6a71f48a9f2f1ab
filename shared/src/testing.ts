/**
 * Helpers for tests that use the real PostgreSQL and RabbitMQ: a database of its
 * own per test file and a broker namespace of its own, both removed afterwards, so
 * test files do not disturb each other nor a running `npm start`.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { connect, type ChannelModel } from 'amqplib';
import { dropDatabase, ensureDatabase } from './db/ensureDatabase';
import { BrokerAdmin } from './broker/provision';
import { provisionServiceUsers, DEFAULT_ADMIN_URL } from './brokerSetup';
import { serviceAmqpUrl } from './broker/credentials';
import { connectToBroker, mapBrokerUrls } from './broker/addresses';
import type { ServiceName } from './serviceConfig';
import { directExchangeOf, topology } from './messaging/topology';

export { TcpProxy } from './testing/tcpProxy';

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A port free on 127.0.0.1 a moment ago (taken, then released): for a server to start on, or one nothing listens on. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Creates a fresh, empty database and returns its URL. */
export async function createTestDatabase(prefix = 'test'): Promise<string> {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${uniqueName(prefix)}`;
  await ensureDatabase(url.toString());
  return url.toString();
}

export { dropDatabase as dropTestDatabase };

export const TEST_ADMIN_URL = process.env.RABBITMQ_ADMIN_URL ?? DEFAULT_ADMIN_URL;

/** Deletes every queue of a test namespace in the default vhost, with its endpoints' direct exchanges and the shared exchange. */
export async function deleteNamespace(namespace: string, queues: string[]): Promise<void> {
  const connection = await connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) {
      await channel.deleteQueue(queue);
      await channel.deleteExchange(directExchangeOf(queue));
    }
    await channel.deleteExchange(topology(namespace).exchange);
  } finally {
    await connection.close();
  }
}

/**
 * A vhost of a test's own, provisioned as `npm start` provisions the saga's: one user
 * per service with least privilege, nobody else. Deleted with everything in it at the end.
 */
export class TestBroker {
  private constructor(
    readonly vhost: string,
    /** The broker address (or addresses) with this vhost and no user: what the services' AMQP_URL is set to. */
    readonly url: string,
    /** The services with a user here. */
    readonly services: readonly ServiceName[],
    /** The management API of the broker it is on. */
    readonly adminUrl: string,
  ) {}

  /**
   * `services`: the users to make (the system's, from services/registry.ts, or a kernel
   * test's own); `publishes` widens what a service may publish (a test's own message types), by service.
   */
  static async provision(
    namespace: string,
    services: readonly ServiceName[],
    publishes: Partial<Record<string, string>> = {},
    /** Which broker: the machine's (by default), or a cluster's nodes (comma-separated) and its management API. */
    at: { amqpUrl: string; adminUrl: string } = { amqpUrl: TEST_AMQP_URL, adminUrl: TEST_ADMIN_URL },
  ): Promise<TestBroker> {
    const url = mapBrokerUrls(at.amqpUrl, (address) => {
      const base = new URL(address);
      base.username = '';
      base.password = '';
      base.pathname = `/${encodeURIComponent(namespace)}`;
      return base.toString();
    });
    const broker = new TestBroker(namespace, url, services, at.adminUrl);
    await provisionServiceUsers(services, { ...process.env, AMQP_URL: broker.url, MESSAGING_NAMESPACE: namespace, RABBITMQ_ADMIN_URL: at.adminUrl }, publishes);
    return broker;
  }

  /** The URL with a service's user and password. */
  urlOf(service: string): string {
    return serviceAmqpUrl(this.url, service, process.env, this.services);
  }

  /** A connection as one of the services' users (its errors are swallowed: a test sees them on its channels). */
  async connectAs(service: string): Promise<ChannelModel> {
    const { connection } = await connectToBroker(this.urlOf(service), {});
    connection.on('error', () => undefined);
    return connection;
  }

  async delete(): Promise<void> {
    await new BrokerAdmin(this.adminUrl).deleteVhost(this.vhost);
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails after a generous deadline. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
