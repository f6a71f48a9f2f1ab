import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { eventually } from '@saga/shared/testing';
import type { ParticipantName as ServiceName } from '../../services/registry';
import type { RunningSystem, Shop } from './api';
import { ADDRESS, call, UNSERVED_ADDRESS } from './api';
import { brokenInvariants, type World } from './invariants';
import { percentiles } from '../../bench/src/stats';

/** happy: nothing to ship; shipped: to an address shipping serves; no-ship: to one it does not (refused after the payment). */
export type OrderKind = 'happy' | 'shipped' | 'no-stock' | 'no-funds' | 'no-ship';

/** What each kind of order must end as, whatever faults happened on the way. */
export const EXPECTED: Record<OrderKind, 'Completed' | 'Failed'> = { happy: 'Completed', shipped: 'Completed', 'no-stock': 'Failed', 'no-funds': 'Failed', 'no-ship': 'Failed' };

export interface Fixture {
  plenty: string;
  scarce: string;
  rich: string;
  poor: string;
  world: World;
}

/** Products and accounts for one scenario: stock and money enough for happy orders, and the means to fail the others. */
export async function prepare(shop: Shop): Promise<Fixture> {
  const plenty = await shop.createProduct(1000, '5.00', 'Plenty');
  const scarce = await shop.createProduct(1, '1.00', 'Scarce');
  const rich = randomUUID();
  const poor = randomUUID();
  await shop.createAccount(rich, '100000.00');
  await shop.createAccount(poor, '1.00');
  return {
    plenty,
    scarce,
    rich,
    poor,
    world: {
      products: [
        { id: plenty, initialStock: 1000 },
        { id: scarce, initialStock: 1 },
      ],
      accounts: [
        { userId: rich, initialBalance: '100000.00' },
        { userId: poor, initialBalance: '1.00' },
      ],
      orders: [],
    },
  };
}

const KINDS: OrderKind[] = ['shipped', 'happy', 'no-stock', 'shipped', 'no-funds', 'no-ship'];

function body(fixture: Fixture, kind: OrderKind) {
  switch (kind) {
    case 'happy':
      return { userId: fixture.rich, items: [{ productId: fixture.plenty, quantity: 1, price: '5.00' }] };
    case 'shipped':
      return { userId: fixture.rich, items: [{ productId: fixture.plenty, quantity: 1, price: '5.00' }], shippingAddress: ADDRESS };
    case 'no-ship':
      return { userId: fixture.rich, items: [{ productId: fixture.plenty, quantity: 2, price: '5.00' }], shippingAddress: UNSERVED_ADDRESS };
    case 'no-stock':
      return { userId: fixture.rich, items: [{ productId: fixture.scarce, quantity: 5, price: '1.00' }] };
    case 'no-funds':
      return { userId: fixture.poor, items: [{ productId: fixture.plenty, quantity: 1, price: '5.00' }] };
  }
}

export interface PlacedOrder {
  id: string;
  kind: OrderKind;
}

/** What the order API answered while orders were placed: a count per status, and the 503s that lacked Retry-After. */
export class Answers {
  readonly byStatus = new Map<number, number>();
  unavailableWithoutRetryAfter = 0;

  record(status: number, headers: Headers): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (status === 503 && !/^\d+$/.test(headers.get('retry-after') ?? '')) this.unavailableWithoutRetryAfter += 1;
  }

  /** Answers no client should ever get: a 5xx other than 503 (with its Retry-After). */
  get serverErrors(): string[] {
    const wrong = [...this.byStatus].filter(([status]) => status >= 500 && status !== 503).map(([status, n]) => `${n} answered ${status}`);
    return this.unavailableWithoutRetryAfter > 0 ? [...wrong, `${this.unavailableWithoutRetryAfter} answered 503 without Retry-After`] : wrong;
  }
}

/**
 * Places `count` mixed orders, `concurrency` at a time (each worker waiting `paceMs`
 * between orders, for low traffic). Each carries an Idempotency-Key and is retried until
 * accepted, so orders placed while the order service or its database is down are neither
 * lost nor doubled. `afterEach` runs after each acceptance; `answers` tallies every reply.
 */
export async function placeOrders(
  system: RunningSystem,
  fixture: Fixture,
  count: number,
  {
    concurrency = 4,
    paceMs = 0,
    afterEach,
    answers,
  }: { concurrency?: number; paceMs?: number; afterEach?: (placed: number) => void | Promise<void>; answers?: Answers } = {},
): Promise<PlacedOrder[]> {
  const placed: PlacedOrder[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const kind = KINDS[next % KINDS.length]!;
      next += 1;
      const key = randomUUID();
      const accepted = await eventually(
        async () => {
          const reply = await call(`${system.url('order')}/api/orders`, { body: body(fixture, kind), headers: { 'Idempotency-Key': key } }).catch(
            () => undefined,
          );
          if (reply) answers?.record(reply.status, reply.headers);
          return reply?.status === 202 ? (reply.body.id as string) : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 200, what: `order ${key} to be accepted` },
      );
      placed.push({ id: accepted, kind });
      fixture.world.orders.push(accepted);
      await afterEach?.(placed.length);
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return placed;
}

export interface Verdict {
  orders: number;
  terminal: number;
  wrongOutcomes: string[];
  broken: string[];
  /** The 99th percentile of the sagas' time from start to end, in seconds (terminal ones), and the longest. */
  p99Seconds: number;
  maxSeconds: number;
}


/** Waits until every order is terminal (or the deadline), then checks outcomes and invariants. */
export async function verdict(
  shop: Shop,
  system: RunningSystem,
  fixture: Fixture,
  orders: PlacedOrder[],
  { timeoutMs = 180_000, expected = (kind: OrderKind): string | string[] => EXPECTED[kind] } = {},
): Promise<Verdict> {
  const statuses = new Map<string, string>();
  await eventually(
    async () => {
      for (const order of orders) {
        if (statuses.get(order.id) !== undefined && statuses.get(order.id) !== 'Pending') continue;
        const reply = await shop.order(order.id).catch(() => undefined);
        if (reply?.status === 200) statuses.set(order.id, reply.body.status);
      }
      return orders.every((o) => (statuses.get(o.id) ?? 'Pending') !== 'Pending');
    },
    { timeoutMs, intervalMs: 250, what: `${orders.length} orders to end` },
  ).catch(() => undefined);
  const terminal = orders.filter((o) => (statuses.get(o.id) ?? 'Pending') !== 'Pending').length;
  const wrongOutcomes = orders
    .filter((o) => (statuses.get(o.id) ?? 'Pending') !== 'Pending' && ![expected(o.kind)].flat().includes(statuses.get(o.id)!))
    .map((o) => `${o.kind} order ${o.id} ended ${statuses.get(o.id)}`);
  const durations: number[] = [];
  for (const order of orders) {
    const saga = (await shop.saga(order.id).catch(() => undefined))?.body as { createdAt?: string; completedAt?: string | null } | undefined;
    if (saga?.createdAt && saga.completedAt) durations.push((Date.parse(saga.completedAt) - Date.parse(saga.createdAt)) / 1000);
  }
  return { orders: orders.length, terminal, wrongOutcomes, broken: await brokenInvariants(shop, system, fixture.world), p99Seconds: percentiles(durations).p99, maxSeconds: percentiles(durations).max };
}

/** One row of the fault suite's closing table. */
export interface ScenarioResult {
  scenario: string;
  /** Processes per service. */
  replicas: number;
  orders: number;
  terminal: number;
  held: boolean;
  /** From the first order placed to the last one ended. */
  drainSeconds: number;
  /** The sagas' p99 and longest start-to-end time (none for a scenario of messages, not orders). */
  p99Seconds?: number;
  maxSeconds?: number;
}

export function printResults(title: string, results: ScenarioResult[]): void {
  const rows = [
    ['scenario', 'replicas', 'orders', 'terminal', 'invariants held', 'time to drain', 'p99 end-to-end', 'max end-to-end'],
    ...results.map((r) => [
      r.scenario,
      String(r.replicas),
      String(r.orders),
      String(r.terminal),
      r.held ? 'yes' : 'NO',
      `${r.drainSeconds.toFixed(1)} s`,
      r.p99Seconds === undefined ? '-' : `${r.p99Seconds.toFixed(2)} s`,
      r.maxSeconds === undefined ? '-' : `${r.maxSeconds.toFixed(2)} s`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`);
  process.stdout.write(`\n${title}\n${lines.join('\n')}\n\n`);
  // FAULT_TABLE=<file>: the same rows appended as Markdown (what the README's table is made from).
  const file = process.env.FAULT_TABLE;
  if (file) {
    const markdown = rows.map((row, i) => `| ${row.join(' | ')} |${i === 0 ? `\n|${row.map(() => ' --- |').join('')}` : ''}`);
    appendFileSync(file, `\n**${title}**\n\n${markdown.join('\n')}\n`);
  }
}

/** Polls a service's /health until its breakers report `state` for `which`. */
export async function breakerBecomes(system: RunningSystem, service: ServiceName, which: 'consumer' | 'relay', state: string) {
  return eventually(
    async () => {
      const reply = await call(`${system.url(service)}/health`).catch(() => undefined);
      return reply?.body?.breakers?.[which] === state;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `${service} ${which} breaker to be ${state}` },
  );
}
