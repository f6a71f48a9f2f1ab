import { randomUUID } from 'node:crypto';
import { eventually } from '@saga/shared/testing';
import type { ParticipantName as ServiceName } from '../../services/registry';
import type { RunningSystem, Shop } from './api';
import { ADDRESS, call, UNSERVED_ADDRESS } from './api';
import { brokenInvariants, type World } from './invariants';

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

/**
 * Places `count` mixed orders, `concurrency` at a time. Each carries an Idempotency-Key
 * and is retried until accepted, so orders placed while the order service is down or
 * restarting are neither lost nor doubled. `afterEach` runs after each acceptance.
 */
export async function placeOrders(
  system: RunningSystem,
  fixture: Fixture,
  count: number,
  { concurrency = 4, afterEach }: { concurrency?: number; afterEach?: (placed: number) => void | Promise<void> } = {},
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
          return reply?.status === 202 ? (reply.body.id as string) : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 200, what: `order ${key} to be accepted` },
      );
      placed.push({ id: accepted, kind });
      fixture.world.orders.push(accepted);
      await afterEach?.(placed.length);
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
}

/** Waits until every order is terminal (or the deadline), then checks outcomes and invariants. */
export async function verdict(
  shop: Shop,
  system: RunningSystem,
  fixture: Fixture,
  orders: PlacedOrder[],
  { timeoutMs = 180_000, expected = (kind: OrderKind) => EXPECTED[kind] as string } = {},
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
    .filter((o) => statuses.get(o.id) !== 'Pending' && statuses.get(o.id) !== expected(o.kind))
    .map((o) => `${o.kind} order ${o.id} ended ${statuses.get(o.id)}`);
  return { orders: orders.length, terminal, wrongOutcomes, broken: await brokenInvariants(shop, system, fixture.world) };
}

/** One row of the fault suite's closing table. */
export interface ScenarioResult {
  scenario: string;
  orders: number;
  terminal: number;
  held: boolean;
  drainSeconds: number;
}

export function printResults(title: string, results: ScenarioResult[]): void {
  const rows = [
    ['scenario', 'orders', 'terminal', 'invariants held', 'time to drain'],
    ...results.map((r) => [r.scenario, String(r.orders), String(r.terminal), r.held ? 'yes' : 'NO', `${r.drainSeconds.toFixed(1)} s`]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`);
  process.stdout.write(`\n${title}\n${lines.join('\n')}\n\n`);
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
