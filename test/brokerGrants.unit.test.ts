import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES, serviceGrant } from '@saga/shared';

// infra/rabbitmq/definitions.json (deployments) and npm start's provisioning must grant the same.
const definitions = JSON.parse(readFileSync(path.join(__dirname, '..', 'infra', 'rabbitmq', 'definitions.json'), 'utf8')) as {
  permissions: Array<{ user: string; vhost: string; configure: string; write: string; read: string }>;
  topic_permissions: Array<{ user: string; vhost: string; exchange: string; write: string; read: string }>;
};

describe('broker permissions', () => {
  it.each(SERVICE_NAMES)('definitions.json grants %s what npm start provisions, and no default exchange', (service) => {
    const grant = serviceGrant('saga', service);
    expect(definitions.permissions.find((p) => p.user === service)).toEqual({ user: service, vhost: 'saga', configure: grant.configure, write: grant.write, read: grant.read });
    expect(definitions.topic_permissions.find((p) => p.user === service)).toEqual({ user: service, vhost: 'saga', exchange: 'saga.messages', write: grant.publishes, read: '.*' });
    expect(new RegExp(grant.write).test('amq.default')).toBe(false);
  });

  it('lets each service publish only its own message types and touch only its own queues', () => {
    const order = serviceGrant('saga', 'order');
    expect(new RegExp(order.publishes).test('domain.order.ProcessPayment')).toBe(true);
    expect(new RegExp(order.publishes).test('domain.billing.PaymentProcessed')).toBe(false);
    expect(new RegExp(order.write).test('saga.order.direct')).toBe(true);
    expect(new RegExp(order.write).test('saga.billing.direct')).toBe(false);
    expect(new RegExp(order.read).test('saga.billing')).toBe(false);
    expect(new RegExp(order.configure).test('saga.orderx')).toBe(false);
  });

  it('has no guest, on the saga vhost or at all', () => {
    expect(definitions.permissions.map((p) => p.user)).not.toContain('guest');
  });
});
