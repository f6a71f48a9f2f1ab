import { redactUrl } from '../db/ensureDatabase';
import { topology } from '../messaging/topology';

/** What a service's broker user may do in the saga's vhost (see README, "Security"). */
export interface BrokerGrant {
  user: string;
  configure: string;
  write: string;
  read: string;
  /** Topic permission on the namespace's exchange: the routing keys (message types) the user may publish. */
  publishes: string;
}

/**
 * Least privilege for `service` in `namespace`: its own queues and exchanges plus the shared
 * exchange, no default exchange (which reaches every queue), and on the shared exchange only
 * its own context's message types (`domain.<service>.*`).
 */
export function serviceGrant(namespace: string, service: string, publishes = `^domain\\.${service}\\.`): BrokerGrant {
  const own = `^${namespace}\\.(messages|${service}(\\..+)?)$`;
  return { user: service, configure: own, write: own, read: own, publishes };
}

export interface ProvisionOptions {
  vhost: string;
  namespace: string;
  grants: readonly BrokerGrant[];
  passwords: Record<string, string>;
}

export class ManagementApiUnreachable extends Error {
  override name = 'ManagementApiUnreachable';
}

/** The RabbitMQ management HTTP API, as an administrator (adminUrl: http://guest:guest@127.0.0.1:15672). */
export class BrokerAdmin {
  private readonly base: string;
  private readonly authorization: string;

  constructor(private readonly adminUrl: string) {
    const url = new URL(adminUrl);
    this.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
    this.base = url.toString().replace(/\/$/, '');
  }

  async request(method: string, path: string, body?: unknown, { missingOk = false } = {}): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/${path}`, {
        method,
        headers: { authorization: this.authorization, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new ManagementApiUnreachable(
        `Cannot reach RabbitMQ's management API at ${redactUrl(this.adminUrl)} (${(error as Error).cause ?? (error as Error).message}); ` +
          'enable it (rabbitmq-plugins enable rabbitmq_management) or set RABBITMQ_ADMIN_URL',
      );
    }
    if (response.status === 404 && missingOk) return undefined;
    if (response.status === 401) throw new Error(`RabbitMQ's management API at ${redactUrl(this.adminUrl)} refused the admin credentials; set RABBITMQ_ADMIN_URL`);
    if (!response.ok) throw new Error(`RabbitMQ management API: ${method} /api/${path} answered ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /**
   * Creates the vhost, the users and their permissions, idempotently, and removes every
   * other user's permissions on the vhost (an outsider with the broker's default
   * credentials can then not even open it).
   */
  async provision({ vhost, namespace, grants, passwords }: ProvisionOptions): Promise<void> {
    const v = encodeURIComponent(vhost);
    await this.request('PUT', `vhosts/${v}`, { description: 'order saga' });
    for (const grant of grants) {
      const user = encodeURIComponent(grant.user);
      const password = passwords[grant.user];
      if (!password) throw new Error(`no password for broker user ${grant.user}`);
      await this.request('PUT', `users/${user}`, { password, tags: '' });
      await this.request('PUT', `permissions/${v}/${user}`, { configure: grant.configure, write: grant.write, read: grant.read });
      await this.request('PUT', `topic-permissions/${v}/${user}`, { exchange: topology(namespace).exchange, write: grant.publishes, read: '.*' });
    }
    const ours = new Set(grants.map((grant) => grant.user));
    for (const kind of ['permissions', 'topic-permissions'] as const) {
      const entries = ((await this.request('GET', `vhosts/${v}/${kind}`)) ?? []) as Array<{ user: string }>;
      for (const { user } of entries) {
        if (!ours.has(user)) await this.request('DELETE', `${kind}/${v}/${encodeURIComponent(user)}`, undefined, { missingOk: true });
      }
    }
  }

  /** Removes a vhost and everything in it (for tests). */
  async deleteVhost(vhost: string): Promise<void> {
    await this.request('DELETE', `vhosts/${encodeURIComponent(vhost)}`, undefined, { missingOk: true });
  }

  /** Grants a user every permission on a vhost (for test harnesses that inspect any queue). */
  async grantAll(vhost: string, user: string): Promise<void> {
    await this.request('PUT', `permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, { configure: '.*', write: '.*', read: '.*' });
  }
}
