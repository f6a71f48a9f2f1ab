import { connect } from 'amqplib';
import { BrokerAdmin } from '../src/broker/provision';
import { serviceAmqpUrl } from '../src/broker/credentials';
import { provisionServiceUsers } from '../src/brokerSetup';
import { TEST_ADMIN_URL, TEST_AMQP_URL, uniqueName } from '../src/testing';

// What npm start does to the broker, on the real broker: through the management API, and
// through rabbitmqctl when that API cannot be reached.

const admin = new BrokerAdmin(TEST_ADMIN_URL);
/** The kernel knows no services: the test names some (the system's list is services/registry.ts). */
const SERVICE_NAMES = ['order', 'inventory', 'billing'];
const vhosts: string[] = [];

function brokerUrl(vhost: string, user?: string, password?: string): string {
  const url = new URL(TEST_AMQP_URL);
  url.username = user ?? '';
  url.password = password ?? '';
  url.pathname = `/${vhost}`;
  return url.toString();
}

async function opens(url: string): Promise<boolean> {
  try {
    const connection = await connect(url);
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

async function provisioned(extraEnv: NodeJS.ProcessEnv = {}) {
  const vhost = uniqueName('provision').replaceAll('_', '-');
  vhosts.push(vhost);
  const env = { ...process.env, AMQP_URL: brokerUrl(vhost), MESSAGING_NAMESPACE: vhost, ...extraEnv };
  return { vhost, env, result: await provisionServiceUsers(SERVICE_NAMES, env) };
}

afterAll(async () => {
  for (const vhost of vhosts) await admin.deleteVhost(vhost);
});

describe('broker provisioning', () => {
  it('gives each service a user that opens the vhost, and the default credentials none', async () => {
    const { vhost, env, result } = await provisioned();
    expect(result).toEqual({ vhost, namespace: vhost, via: 'management API' });
    for (const service of SERVICE_NAMES) expect([service, await opens(serviceAmqpUrl(env.AMQP_URL!, service, env, SERVICE_NAMES))]).toEqual([service, true]);
    expect(await opens(brokerUrl(vhost, 'guest', 'guest'))).toBe(false);
    expect(await opens(brokerUrl(vhost, 'billing', 'not-its-password'))).toBe(false);
  });

  it('is idempotent, and takes away permissions someone else was given on the vhost', async () => {
    const { vhost, env } = await provisioned();
    await admin.grantAll(vhost, 'guest');
    expect(await opens(brokerUrl(vhost, 'guest', 'guest'))).toBe(true);
    await provisionServiceUsers(SERVICE_NAMES, env);
    expect(await opens(brokerUrl(vhost, 'guest', 'guest'))).toBe(false);
    expect(await opens(serviceAmqpUrl(env.AMQP_URL!, 'order', env, SERVICE_NAMES))).toBe(true);
  });

  it('refuses a namespace that would widen every grant (it goes into their permission patterns), before touching the broker', async () => {
    await expect(provisionServiceUsers(SERVICE_NAMES, { ...process.env, AMQP_URL: brokerUrl('never-made'), MESSAGING_NAMESPACE: '.*' })).rejects.toThrow(/MESSAGING_NAMESPACE/);
  });

  it('falls back to rabbitmqctl when the management API cannot be reached', async () => {
    const { vhost, env, result } = await provisioned({ RABBITMQ_ADMIN_URL: 'http://guest:guest@127.0.0.1:1' });
    expect(result.via).toBe('rabbitmqctl');
    expect(await opens(serviceAmqpUrl(env.AMQP_URL!, 'inventory', env, SERVICE_NAMES))).toBe(true);
    expect(await opens(brokerUrl(vhost, 'guest', 'guest'))).toBe(false);
  });

  it('says how to fix it when neither can be used', async () => {
    await expect(provisioned({ RABBITMQ_ADMIN_URL: 'http://guest:guest@127.0.0.1:1', RABBITMQCTL: '/nonexistent/rabbitmqctl' })).rejects.toThrow(
      /Cannot reach RabbitMQ's management API at http:\/\/guest:\*\*\*@127\.0\.0\.1:1\/ .*rabbitmq-plugins enable rabbitmq_management/,
    );
  });
});
