/**
 * One peer as a process of its own, so the bench can read its CPU from /proc:
 * `node --import tsx bench/src/peers/peerProcess.ts dbos|graphile|sql`, configured by
 * PEER_DATABASE_URL, PEER_SYSTEM_DATABASE_URL (DBOS), PEER_PORT, PEER_POOL_SIZE and
 * PEER_CONCURRENCY. Serves on 127.0.0.1:
 *   POST /orders  the order service's body; answers {id, status} once the saga has ended
 *   GET /health   200 once the engine runs
 * SIGTERM stops it.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { PEER_NAMES, type Engine, type EngineSettings, type PeerName } from './engine';
import { sagaInput } from './steps';

async function startEngine(name: PeerName, settings: EngineSettings): Promise<Engine> {
  switch (name) {
    case 'dbos':
      return (await import('./dbos.js')).startDbos(settings);
    case 'graphile':
      return (await import('./graphile.js')).startGraphile(settings);
    case 'sql':
      return (await import('./sqlOnly.js')).startSqlOnly(settings);
  }
}

function answer(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function serve(engine: Engine, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  if (request.method === 'GET' && request.url === '/health') return answer(response, 200, { status: 'ok' });
  if (request.method !== 'POST' || request.url !== '/orders') return answer(response, 404, { error: 'not found' });
  let body: unknown;
  try {
    body = JSON.parse(await readBody(request));
  } catch {
    return answer(response, 400, { error: 'the body is not JSON' });
  }
  const input = sagaInput(randomUUID(), body);
  if (typeof input === 'string') return answer(response, 400, { error: input });
  try {
    answer(response, 200, { id: input.orderId, status: await engine.placeOrder(input) });
  } catch (error) {
    answer(response, 500, { error: (error as Error).message });
  }
}

async function main(): Promise<void> {
  const name = process.argv[2] as PeerName;
  if (!PEER_NAMES.includes(name)) throw new Error(`usage: peerProcess.ts ${PEER_NAMES.join('|')}`);
  const env = (key: string) => process.env[key] ?? '';
  const engine = await startEngine(name, {
    databaseUrl: env('PEER_DATABASE_URL'),
    systemDatabaseUrl: env('PEER_SYSTEM_DATABASE_URL'),
    poolSize: Number(env('PEER_POOL_SIZE') || 10),
    concurrency: Number(env('PEER_CONCURRENCY') || 32),
  });
  const server = http.createServer((request, response) => void serve(engine, request, response));
  await new Promise<void>((resolve) => server.listen(Number(env('PEER_PORT')), '127.0.0.1', resolve));
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    engine.stop().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`stopping ${name}: ${error.stack ?? error.message}\n`);
        process.exit(1);
      },
    );
  });
}

main().catch((error: Error) => {
  process.stderr.write(`peer failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
