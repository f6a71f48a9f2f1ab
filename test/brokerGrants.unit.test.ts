import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serviceGrant } from '@saga/shared';
import { SERVICE_NAMES } from '../services/registry';

// infra/rabbitmq/definitions.json (deployments, generated from services/registry.ts by
// scripts/infraFiles.ts) and npm start's provisioning must grant the same.
const definitions = JSON.parse(readFileSync(path.join(__dirname, '..', 'infra', 'rabbitmq', 'definitions.json'), 'utf8')) as {
  users: Array<{ name: string; tags: string[] }>;
  permissions: Array<{ user: string; vhost: string; configure: string; write: string; read: string }>;
  topic_permissions: Array<{ user: string; vhost: string; exchange: string; write: string; read: string }>;
};

describe('broker permissions', () => {
  it.each(SERVICE_NAMES)('grants %s nothing on the default exchange', (service) => {
    // definitions.json grants what serviceGrant says: test/registry.unit.test.ts checks it entry by entry.
    expect(new RegExp(serviceGrant('saga', service).write).test('amq.default')).toBe(false);
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

  it("has permissions and topic permissions for exactly the registry's services (and the admin)", () => {
    expect(definitions.users.filter((u) => u.tags.length > 0).map((u) => u.name)).toEqual(['admin']);
    expect(definitions.permissions.map((p) => p.user)).toEqual(['admin', ...SERVICE_NAMES]);
    expect(definitions.topic_permissions.map((p) => p.user)).toEqual([...SERVICE_NAMES]);
  });

  it('has no guest, on the saga vhost or at all', () => {
    expect(definitions.permissions.map((p) => p.user)).not.toContain('guest');
  });
});
