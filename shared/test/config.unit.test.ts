import { loadServiceConfig } from '../src/serviceConfig';

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

  it('reads retry delays, with an override per service', () => {
    expect(loadServiceConfig('billing', {}).retry.delaysMs).toEqual([1000, 5000, 25000]);
    expect(loadServiceConfig('billing', { RETRY_DELAYS_MS: '10, 20' }).retry.delaysMs).toEqual([10, 20]);
    expect(loadServiceConfig('billing', { RETRY_DELAYS_MS: '10', BILLING_RETRY_DELAYS_MS: '7' }).retry.delaysMs).toEqual([7]);
    expect(loadServiceConfig('order', { BILLING_RETRY_DELAYS_MS: '7' }).retry.delaysMs).toEqual([1000, 5000, 25000]);
    expect(() => loadServiceConfig('order', { RETRY_DELAYS_MS: '1s' })).toThrow(/RETRY_DELAYS_MS/);
  });

  it('stops with a message naming each wrong variable', () => {
    expect(() => loadServiceConfig('order', { ORDER_PORT: 'http', PREFETCH: '0' })).toThrow(/ORDER_PORT="http"[\s\S]*PREFETCH="0"/);
  });
});
