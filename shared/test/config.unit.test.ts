import { loadServiceConfig } from '../src/serviceConfig';

describe('service configuration', () => {
  it('has defaults for a local machine', () => {
    const config = loadServiceConfig('inventory', {});
    expect(config).toMatchObject({
      port: 3001,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/inventory',
      databaseUrlVariable: 'INVENTORY_DATABASE_URL',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      namespace: 'saga',
    });
  });

  it('stops with a message naming each wrong variable', () => {
    expect(() => loadServiceConfig('order', { ORDER_PORT: 'http', PREFETCH: '0' })).toThrow(/ORDER_PORT="http"[\s\S]*PREFETCH="0"/);
  });
});
