import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { topology, type Settlement } from '@saga/shared';
import { eventually } from '@saga/shared/testing';
import { runCli } from '../../tools/dlq/src/cli';
import { ADDRESS, Shop } from '../support/api';
import { sampleValue } from '../support/promql';
import { TestSystem } from '../support/system';

// A saga whose stored snapshot is on a definition version this build does not know (a
// newer build wrote it, and this one was rolled back to) is never read through another
// version's machine: replies to it are refused to the error queue with
// saga-version-unknown, it shows as parked, and it goes on once a build that knows its
// version runs and the replies are replayed (README, "Parked sagas"). Its clock stops
// while it is parked: a deadline that passes meanwhile does not time it out.

let system: TestSystem;
let shop: Shop;

beforeAll(async () => {
  system = await TestSystem.start('e2e_parked', { env: { SAGA_STEP_TIMEOUT_MS: '8000', DEADLINE_SWEEP_INTERVAL_MS: '100' } });
  shop = new Shop(system);
});
afterAll(async () => {
  await system?.stop();
});

async function sql<T>(text: string, params: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: system.configs.order.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
const setVersion = (orderId: string, version: number) => sql('update order_sagas set definition_version = $1 where order_id = $2', [version, orderId]);
const clockOf = async (orderId: string) =>
  (await sql<{ parked: boolean; overdue: boolean }>('select parked_at is not null as parked, step_deadline_at < now() as overdue from order_sagas where order_id = $1', [orderId]))[0]!;

/** The next message the order service's consumer rejects to its error queue. */
function nextRejection(): Promise<Settlement> {
  const consumer = system.get('order').consumer;
  return new Promise((resolve) => {
    const listener = (settlement: Settlement) => {
      if (settlement.result !== 'rejected') return;
      consumer.off('settled', listener);
      resolve(settlement);
    };
    consumer.on('settled', listener);
  });
}

const scrape = async () => (await fetch(`${system.url('order')}/metrics`)).text();

describe('a saga on a definition version this build does not know', () => {
  it('is parked, never misread: its replies wait in the error queue until a build that knows it replays them', async () => {
    const product = await shop.createProduct(3, '4.00');
    const userId = randomUUID();
    await shop.createAccount(userId, '10.00');
    await system.stopService('billing');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId: product, quantity: 1, price: '4.00' }]);
    await shop.waitFor(orderId, (saga) => saga.currentStep === 'ProcessPayment');

    await setVersion(orderId, 3);
    expect((await shop.saga(orderId)).body).toMatchObject({ definitionVersion: 3, parked: true, status: 'InProgress', currentStep: 'ProcessPayment' });

    const refused = nextRejection();
    await system.startService('billing');
    expect(await refused).toMatchObject({ messageType: 'domain.billing.PaymentProcessed', reason: 'saga-version-unknown' });
    expect((await shop.saga(orderId)).body).toMatchObject({ parked: true, currentStep: 'ProcessPayment', completedAt: null });
    expect((await shop.order(orderId)).body.status).toBe('Pending');
    const metrics = await scrape();
    expect(sampleValue(metrics, 'saga_parked')).toBe(1);
    expect(sampleValue(metrics, 'saga_parked_events_total')).toBe(1);

    // Its step deadline passes while it is parked, and times nothing out. A canary saga, whose
    // step started later (shipping is down), shows the sweeper ran past the parked one's deadline.
    await system.stopService('shipping');
    const canaryUser = randomUUID();
    await shop.createAccount(canaryUser, '10.00');
    const canary = await shop.placeAcceptedOrder(canaryUser, [{ productId: product, quantity: 1, price: '4.00' }], ADDRESS);
    await shop.waitFor(canary, (saga) => saga.history.some((h: { status: string }) => h.status === 'TimedOut'), 60_000);
    expect(await clockOf(orderId)).toEqual({ parked: true, overdue: true });
    expect((await shop.saga(orderId)).body.history.some((h: { status: string }) => h.status === 'TimedOut')).toBe(false);

    // The operator runs a build that knows the version (here: the row goes back to one this build knows), then replays.
    await setVersion(orderId, 2);
    // Resumed by this build's sweeper, with the time it had left (at least a step's).
    await eventually(async () => !(await clockOf(orderId)).parked, { what: 'the saga to be resumed' });
    expect(await clockOf(orderId)).toEqual({ parked: false, overdue: false });
    const out: string[] = [];
    const queue = topology(system.namespace).errorQueue('order');
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(line), interactive: false, env: { AMQP_URL: system.broker.url, DLQ_AUDIT_LOG: '/dev/null' } };
    expect(await runCli(['show', queue], io)).toBe(0);
    expect(out.join('\n')).toContain('saga-version-unknown');
    expect(await runCli(['replay', queue, '--type', 'domain.billing.PaymentProcessed'], io)).toBe(0);
    const saga = await shop.finished(orderId);
    expect(saga).toMatchObject({ status: 'Completed', parked: false, definitionVersion: 2 });
    expect(saga.history.map((h: { status: string }) => h.status)).not.toContain('TimedOut');
    expect(await shop.balance(userId)).toBe('6.00');
    expect(sampleValue(await scrape(), 'saga_parked')).toBe(0);
  });
});
