import { BrokerAdmin, ManagementApiUnreachable, serviceGrant } from './broker/provision';
import { RabbitmqctlAdmin } from './broker/rabbitmqctl';
import { servicePasswords, vhostOf } from './broker/credentials';
import { readConfig } from './config';
import { DEFAULT_AMQP_URL, messagingNamespace, type ServiceName } from './serviceConfig';

export const DEFAULT_ADMIN_URL = 'http://guest:guest@127.0.0.1:15672';

/**
 * Provisions, idempotently, what `services` need on the broker: the vhost of AMQP_URL,
 * one user per service (passwords from the credentials file, made on first use) and their
 * least-privilege permissions for MESSAGING_NAMESPACE. Uses RABBITMQ_ADMIN_URL's credentials;
 * when that management API cannot be reached, `rabbitmqctl` on this machine if it works.
 */
export async function provisionServiceUsers(
  /** Every service of the system (services/registry.ts): anyone else loses the vhost. */
  services: readonly ServiceName[],
  env: NodeJS.ProcessEnv = process.env,
  /** Routing keys a service may publish instead of its own context's (for test harnesses). */
  publishes: Partial<Record<string, string>> = {},
): Promise<{ vhost: string; namespace: string; via: 'management API' | 'rabbitmqctl' }> {
  const vhost = vhostOf(env.AMQP_URL || DEFAULT_AMQP_URL);
  const { MESSAGING_NAMESPACE: namespace } = readConfig({ MESSAGING_NAMESPACE: messagingNamespace }, env);
  const passwords = servicePasswords(services, env);
  const options = { vhost, namespace, grants: services.map((service) => serviceGrant(namespace, service, publishes[service])), passwords };
  try {
    await new BrokerAdmin(env.RABBITMQ_ADMIN_URL || DEFAULT_ADMIN_URL).provision(options);
    return { vhost, namespace, via: 'management API' };
  } catch (error) {
    const local = new RabbitmqctlAdmin(env.RABBITMQCTL || 'rabbitmqctl');
    if (!(error instanceof ManagementApiUnreachable) || !(await local.available())) throw error;
    await local.provision(options);
    return { vhost, namespace, via: 'rabbitmqctl' };
  }
}
