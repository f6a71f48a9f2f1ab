import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Completions } from './completions';
import { sleep } from './stats';

/** happy: shipped to a served address (all four steps); no-ship: to an unserved one (refused after the payment: refund, release). */
export type Kind = 'happy' | 'no-stock' | 'no-funds' | 'no-ship';

/** Many products and accounts, so orders do not all queue on one row's lock, as real traffic would not. */
export interface Catalog {
  plenty: string[];
  scarce: string;
  rich: string[];
  poor: string;
}

export const SPREAD = 50;
export const PLENTY_STOCK = 1_000_000_000;
export const RICH_BALANCE = '9999999999.00';

export interface Mix {
  happy: number;
  noStock: number;
  noFunds: number;
  noShip: number;
}

const SERVED = { name: 'Bench customer', line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' };
const UNSERVED = { ...SERVED, city: 'McMurdo Station', postalCode: '0000', country: 'AQ' };

export interface Sample {
  orderId: string;
  kind: Kind;
  latencyMs: number;
  /** How the saga ended, when the system's answer says (the peers'). */
  status?: 'Completed' | 'Failed';
}

export type OrderBody = ReturnType<typeof orderBody>;

/**
 * Places one order and resolves when its saga has ended: the order's id, the moment the end
 * was seen (performance.now) and, if the answer says, the outcome.
 */
export type PlaceAndWait = (body: OrderBody) => Promise<{ orderId: string; endedAt: number; status?: 'Completed' | 'Failed' }>;

/**
 * Keep-alive connections, and node:http rather than fetch: the load generator shares the
 * cores with the system it measures. An idle socket is dropped after 4 s, before the
 * server's keep-alive timeout (Node's 5 s) closes it: otherwise a request sent on a socket
 * the server is closing at that moment fails with ECONNRESET, never having reached it.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });

function post<T = { id: string }>(url: string, body: unknown): Promise<T> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new Error(`${url} answered ${status}: ${text}`));
          else resolve(JSON.parse(text) as T);
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Products and accounts for the run: stock and money for every happy order, and the means to fail the others. */
export async function seed(urls: { inventory: string; billing: string }): Promise<Catalog> {
  const plenty: string[] = [];
  const rich: string[] = [];
  for (let i = 0; i < SPREAD; i += 1) {
    plenty.push((await post(`${urls.inventory}/api/products`, { name: `Bench widget ${i}`, price: '1.00', stock: PLENTY_STOCK })).id);
    const userId = randomUUID();
    await post(`${urls.billing}/api/accounts`, { userId, balance: RICH_BALANCE });
    rich.push(userId);
  }
  const scarce = await post(`${urls.inventory}/api/products`, { name: 'Bench rarity', price: '1.00', stock: 1 });
  const poor = randomUUID();
  await post(`${urls.billing}/api/accounts`, { userId: poor, balance: '0.50' });
  return { plenty, scarce: scarce.id, rich, poor };
}

const any = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;

export function pickKind(mix: Mix, random: number): Kind {
  const shares: Array<[Kind, number]> = [['happy', mix.happy], ['no-stock', mix.noStock], ['no-funds', mix.noFunds], ['no-ship', mix.noShip]];
  let x = random * shares.reduce((sum, [, share]) => sum + share, 0);
  for (const [kind, share] of shares) {
    if (x < share) return kind;
    x -= share;
  }
  return 'happy';
}

function orderBody(catalog: Catalog, kind: Kind) {
  const plenty = [{ productId: any(catalog.plenty), quantity: 1, price: '1.00' }];
  switch (kind) {
    case 'happy':
      return { userId: any(catalog.rich), items: plenty, shippingAddress: SERVED };
    case 'no-stock':
      return { userId: any(catalog.rich), items: [{ productId: catalog.scarce, quantity: 5, price: '1.00' }], shippingAddress: SERVED };
    case 'no-funds':
      return { userId: catalog.poor, items: plenty, shippingAddress: SERVED };
    case 'no-ship':
      return { userId: any(catalog.rich), items: plenty, shippingAddress: UNSERVED };
  }
}

/** Our system: POST to the order service, then the order's end as the broker tells it (OrderCompleted or OrderFailed). */
export function viaBroker(orderUrl: string, completions: Completions): PlaceAndWait {
  return async (body) => {
    const { id } = await post(`${orderUrl}/api/orders`, body);
    return { orderId: id, endedAt: await completions.ended$(id) };
  };
}

/** A peer (bench/src/peers): one POST that answers when the saga has ended. */
export function viaPeer(peerUrl: string): PlaceAndWait {
  return async (body) => {
    const { id, status } = await post<{ id: string; status: 'Completed' | 'Failed' }>(`${peerUrl}/orders`, body);
    return { orderId: id, endedAt: performance.now(), status };
  };
}

/** Places one order and resolves when its saga has ended, with the time from POST to the end. */
export async function oneOrder(place: PlaceAndWait, catalog: Catalog, kind: Kind): Promise<Sample> {
  const started = performance.now();
  const { orderId, endedAt, status } = await place(orderBody(catalog, kind));
  return { orderId, kind, latencyMs: endedAt - started, ...(status ? { status } : {}) };
}

/** Closed loop: `concurrency` clients, each placing its next order when the last one ended. */
export async function closedLoop(
  place: PlaceAndWait,
  catalog: Catalog,
  mix: Mix,
  { concurrency, durationMs, onSample }: { concurrency: number; durationMs: number; onSample?: () => void },
): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        samples.push(await oneOrder(place, catalog, pickKind(mix, Math.random())));
        onSample?.();
      }
    }),
  );
  return { samples, seconds: (performance.now() - started) / 1000 };
}

/** Open loop: orders arrive at `rate` per second whatever the system does, for `durationMs`. */
export async function openLoop(
  place: PlaceAndWait,
  catalog: Catalog,
  mix: Mix,
  { rate, durationMs, onSample }: { rate: number; durationMs: number; onSample?: () => void },
): Promise<{ samples: Sample[]; seconds: number; offered: number }> {
  const inFlight: Array<Promise<Sample>> = [];
  const interval = 1000 / rate;
  const started = performance.now();
  for (let n = 0; performance.now() - started < durationMs; n += 1) {
    const due = started + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      oneOrder(place, catalog, pickKind(mix, Math.random())).then((sample) => {
        onSample?.();
        return sample;
      }),
    );
  }
  const samples = await Promise.all(inFlight);
  return { samples, seconds: (performance.now() - started) / 1000, offered: inFlight.length };
}
