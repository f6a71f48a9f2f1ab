import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { readConfig } from '../src/config';
import { loadServiceConfig as load, type ServiceEntry } from '../src/serviceConfig';
import { brokerUrls, redactBrokerUrls } from '../src/broker/addresses';
import { vhostOf } from '../src/broker/credentials';

// The kernel knows no services: the test gives it entries as the registry (services/registry.ts) does.
const entries: Record<string, ServiceEntry> = {
  order: { name: 'order', port: 3000, database: 'orders' },
  inventory: { name: 'inventory', port: 3001, database: 'inventory' },
  billing: { name: 'billing', port: 3002, database: 'billing' },
};
const loadServiceConfig = (service: string, env: NodeJS.ProcessEnv) => load(entries[service]!, env, Object.keys(entries));
/** A credentials file of the test's own for a service npm start does not know (the default file is npm start's). */
const credentialsFile = path.join(os.tmpdir(), `saga-config-test-${process.pid}.json`);
afterAll(() => rmSync(credentialsFile, { force: true }));

describe('service configuration', () => {
  it('has defaults for a local machine', () => {
    const config = loadServiceConfig('inventory', { INVENTORY_AMQP_PASSWORD: 's3cret/+' });
    expect(config).toMatchObject({
      port: 3001,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/inventory',
      databaseUrlVariable: 'INVENTORY_DATABASE_URL',
      amqpUrl: 'amqp://inventory:s3cret%2F%2B@127.0.0.1:5672/saga',
      namespace: 'saga',
    });
  });

  it("connects as the service's own broker user unless AMQP_URL names one", () => {
    const url = new URL(loadServiceConfig('billing', { AMQP_URL: 'amqp://127.0.0.1:5672/other', BILLING_AMQP_PASSWORD: 'pw' }).amqpUrl);
    expect([url.username, url.password, url.pathname]).toEqual(['billing', 'pw', '/other']);
    expect(loadServiceConfig('billing', { AMQP_URL: 'amqp://ops:x@10.0.0.1:5672/saga' }).amqpUrl).toBe('amqp://ops:x@10.0.0.1:5672/saga');
  });

  it('takes several broker addresses, the nodes of one cluster, each with the service\'s user', () => {
    const { amqpUrl } = loadServiceConfig('billing', { AMQP_URL: 'amqp://127.0.0.1:5673/saga, amqp://127.0.0.1:5674/saga,amqp://127.0.0.1:5675/saga', BILLING_AMQP_PASSWORD: 'pw' });
    expect(brokerUrls(amqpUrl)).toEqual(['amqp://billing:pw@127.0.0.1:5673/saga', 'amqp://billing:pw@127.0.0.1:5674/saga', 'amqp://billing:pw@127.0.0.1:5675/saga']);
    expect(vhostOf(amqpUrl)).toBe('saga');
    expect(redactBrokerUrls(amqpUrl)).not.toMatch(/pw/);
    expect(() => loadServiceConfig('billing', { AMQP_URL: 'amqp://a:5672/saga,amqp://b:5672/other' })).toThrow(/AMQP_URL[\s\S]*different vhosts/);
    expect(() => loadServiceConfig('billing', { AMQP_URL: 'amqp://a:5672/saga,http://b/saga' })).toThrow(/AMQP_URL[\s\S]*amqp:\/\/ or amqps:\/\//);
    expect(() => loadServiceConfig('billing', { AMQP_URL: ' , ' })).toThrow(/AMQP_URL[\s\S]*no broker address/);
  });

  it('names its replica: REPLICA_ID, else the host and process', () => {
    expect(loadServiceConfig('billing', { BILLING_AMQP_PASSWORD: 'pw', REPLICA_ID: 'billing-2' }).replicaId).toBe('billing-2');
    expect(loadServiceConfig('billing', { BILLING_AMQP_PASSWORD: 'pw' }).replicaId).toMatch(new RegExp(`-${process.pid}$`));
    expect(() => loadServiceConfig('billing', { BILLING_AMQP_PASSWORD: 'pw', REPLICA_ID: 'a b{}' })).toThrow(/REPLICA_ID/);
  });

  it('reads retry delays, with an override per service', () => {
    expect(loadServiceConfig('billing', {}).retry.delaysMs).toEqual([1000, 5000, 25000]);
    expect(loadServiceConfig('billing', { RETRY_DELAYS_MS: '10, 20' }).retry.delaysMs).toEqual([10, 20]);
    expect(loadServiceConfig('billing', { RETRY_DELAYS_MS: '10', BILLING_RETRY_DELAYS_MS: '7' }).retry.delaysMs).toEqual([7]);
    expect(loadServiceConfig('order', { BILLING_RETRY_DELAYS_MS: '7' }).retry.delaysMs).toEqual([1000, 5000, 25000]);
    expect(() => loadServiceConfig('order', { RETRY_DELAYS_MS: '1s' })).toThrow(/RETRY_DELAYS_MS/);
  });

  it("takes a service's defaults and variables from its entry", () => {
    const shipping = { name: 'shipping', port: 3010, database: 'shipments' };
    const credentials = { BROKER_CREDENTIALS_FILE: credentialsFile, SHIPPING_AMQP_PASSWORD: 'pw' };
    expect(load(shipping, credentials)).toMatchObject({
      service: 'shipping',
      port: 3010,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/shipments',
      databaseUrlVariable: 'SHIPPING_DATABASE_URL',
      amqpUrl: 'amqp://shipping:pw@127.0.0.1:5672/saga',
    });
    expect(load(shipping, { SHIPPING_PORT: '0', SHIPPING_DATABASE_URL: 'postgres://db/s', SHIPPING_RETRY_DELAYS_MS: '5', ...credentials })).toMatchObject({
      port: 0,
      databaseUrl: 'postgres://db/s',
      retry: { delaysMs: [5] },
    });
  });

  it('stops with a message naming each wrong variable', () => {
    expect(() => loadServiceConfig('order', { ORDER_PORT: 'http', PREFETCH: '0' })).toThrow(/ORDER_PORT="http"[\s\S]*PREFETCH="0"/);
  });
});

describe('configuration errors', () => {
  it('never repeat a secret: a token, or the password in a URL', () => {
    const read = (env: NodeJS.ProcessEnv) => {
      try {
        readConfig({ SOME_TOKEN: z.string().min(40), SOME_URL: z.url().refine(() => false, 'refused') }, env);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    };
    const message = read({ SOME_TOKEN: 'short-secret', SOME_URL: 'postgres://app:s3cret@db:5432/orders' });
    expect(message).toContain('SOME_TOKEN=(hidden)');
    expect(message).toContain('SOME_URL="postgres://app:***@db:5432/orders"');
    expect(message).not.toMatch(/short-secret|s3cret/);
  });
});
