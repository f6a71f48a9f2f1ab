import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ProvisionOptions } from './provision';
import { topology } from '../messaging/topology';

const run = promisify(execFile);

/**
 * The same provisioning as BrokerAdmin, through `rabbitmqctl` on the broker's own machine:
 * the fallback when the management plugin is off. Needs the rights rabbitmqctl needs (root
 * or the rabbitmq user); passwords pass on its command line, so it is for local use.
 */
export class RabbitmqctlAdmin {
  constructor(private readonly command = 'rabbitmqctl') {}

  /** Whether rabbitmqctl is here and reaches a running node. */
  async available(): Promise<boolean> {
    return this.ctl('status').then(
      () => true,
      () => false,
    );
  }

  async provision({ vhost, namespace, grants, passwords }: ProvisionOptions): Promise<void> {
    await this.ctl('add_vhost', vhost);
    for (const grant of grants) {
      const password = passwords[grant.user];
      if (!password) throw new Error(`no password for broker user ${grant.user}`);
      await this.ctl('add_user', grant.user, password).catch(() => this.ctl('change_password', grant.user, password));
      await this.ctl('set_permissions', '-p', vhost, grant.user, grant.configure, grant.write, grant.read);
      await this.ctl('set_topic_permissions', '-p', vhost, grant.user, topology(namespace).exchange, grant.publishes, '.*');
    }
    const ours = new Set(grants.map((grant) => grant.user));
    for (const [list, clear] of [['list_permissions', 'clear_permissions'], ['list_topic_permissions', 'clear_topic_permissions']] as const) {
      const entries = JSON.parse(await this.ctl(list, '-p', vhost, '--formatter', 'json')) as Array<{ user: string }>;
      for (const { user } of entries) if (!ours.has(user)) await this.ctl(clear, '-p', vhost, user);
    }
  }

  private async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run(this.command, ['--quiet', ...args], { timeout: 60_000 });
    return stdout;
  }
}
