import { createApp, listen, type HttpServer } from '../src/http/server';
import { openDatabase, type DatabaseHandle } from '../src/db/database';
import { TcpProxy, TEST_POSTGRES_URL } from '../src/testing';
import { silentLogger } from './kernelFixture';

// A request whose database is down is the outage's, not the service's fault: 503 with
// Retry-After and a problem+json body, never a 500; the same route answers again once it is back.
let proxy: TcpProxy;
let database: DatabaseHandle;
let server: HttpServer;

beforeAll(async () => {
  const direct = new URL(TEST_POSTGRES_URL);
  proxy = await TcpProxy.start(direct.hostname, Number(direct.port || 5432));
  direct.hostname = '127.0.0.1';
  direct.port = String(proxy.port);
  database = openDatabase(direct.toString(), { max: 2 });
  const app = createApp({
    logger: silentLogger,
    health: [],
    routes: (routes) =>
      routes.get('/api/answer', async (_req, res) => {
        const { rows } = await database.pool.query<{ answer: number }>('select 42 as answer');
        res.json(rows[0]);
      }),
  });
  server = await listen(app, 0);
});
afterAll(async () => {
  await server?.close();
  await database?.close();
  await proxy?.close();
});

it('answers 503 with Retry-After while the database is unreachable, and 200 once it is back', async () => {
  expect((await fetch(`${server.url}/api/answer`)).status).toBe(200);
  await proxy.cut();
  const during = await fetch(`${server.url}/api/answer`);
  expect(during.status).toBe(503);
  expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(during.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await during.json()) as { detail: string };
  expect(problem).toMatchObject({ status: 503, title: 'Service Unavailable' });
  expect(problem.detail).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  await proxy.restore();
  expect((await fetch(`${server.url}/api/answer`)).status).toBe(200);
});
