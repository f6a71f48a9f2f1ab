import { randomUUID } from 'node:crypto';
import { runAlone, transaction } from '@saga/shared';
import { pruneJournal } from '../src/saga/journalRetention';
import { journalSagaChange, type SagaChangeRecord } from '../src/saga/sagaJournal';
import { announceStuckSagas } from '../src/saga/stuckSagas';
import { useOrderDatabase } from './orderTestDatabase';

// The journal's statements on the order service's real schema: what one change writes, to
// whom a webhook delivery goes, a stuck saga announced once, and pruning by age.

const orderDb = useOrderDatabase('order_journal');
const { query } = orderDb;
beforeEach(async () => {
  await query('truncate saga_events, webhook_attempts, webhook_deliveries, webhook_subscriptions, order_sagas, orders cascade');
});
const now = new Date('2026-11-30T10:00:00.000Z');

const change = (orderId: string, overrides: Partial<SagaChangeRecord> = {}): SagaChangeRecord => ({
  orderId,
  sagaId: randomUUID(),
  version: 2,
  definitionVersion: 2,
  status: 'InProgress',
  currentStep: 'ReserveInventory',
  orderStatus: 'Pending',
  entries: [{ step: 'ValidateInventory', status: 'Completed', message: "it's \"available\" \\ 100%", timestamp: now.toISOString() }],
  lifecycle: [{ type: 'saga.step_completed', entry: { step: 'ValidateInventory', status: 'Completed', message: 'available', timestamp: now.toISOString() } }],
  at: now,
  ...overrides,
});

const journal = (record: SagaChangeRecord) => transaction(orderDb.database.pool, {}, () => ({ value: undefined, closing: [journalSagaChange(record)] }));

async function subscriber(events: string[], deleted = false): Promise<string> {
  const id = randomUUID();
  await query('insert into webhook_subscriptions (id, url, events, secret, created_at, deleted_at) values ($1, $2, $3, $4, $5, $6)', [
    id, 'http://127.0.0.1:9/hooks', events, 'whsec_c2VjcmV0', now, deleted ? now : null,
  ]);
  return id;
}

describe('the saga journal', () => {
  it('records a change with its entries unchanged, and no delivery when nobody subscribes', async () => {
    const orderId = randomUUID();
    await journal(change(orderId));
    const [row] = await query('select order_id, version, entries, lifecycle, txid::text as txid from saga_events');
    expect(row).toMatchObject({ order_id: orderId, version: 2, entries: change(orderId).entries, lifecycle: change(orderId).lifecycle });
    expect(row.txid).toMatch(/^\d+$/);
    expect(await query('select * from webhook_deliveries')).toEqual([]);
  });

  it('puts one delivery per lifecycle event for each live subscriber of its type, in the same transaction', async () => {
    const both = await subscriber(['saga.step_completed', 'order.completed']);
    const completedOnly = await subscriber(['order.completed']);
    await subscriber(['saga.step_completed'], true);
    const orderId = randomUUID();
    await journal(change(orderId, { status: 'Completed', lifecycle: [{ type: 'saga.step_completed' }, { type: 'order.completed' }] }));
    const deliveries = await query('select subscription_id, event_type, payload, status, attempts from webhook_deliveries order by subscription_id, event_type');
    const expected = [
      { subscription_id: both, event_type: 'order.completed' },
      { subscription_id: both, event_type: 'saga.step_completed' },
      { subscription_id: completedOnly, event_type: 'order.completed' },
    ].sort((a, b) => a.subscription_id.localeCompare(b.subscription_id) || a.event_type.localeCompare(b.event_type));
    expect(deliveries.map(({ subscription_id, event_type }) => ({ subscription_id, event_type }))).toEqual(expected);
    expect(deliveries[0]).toMatchObject({ status: 'pending', attempts: 0, payload: { timestamp: now.toISOString(), data: { orderId, sagaVersion: 2, sagaStatus: 'Completed' } } });
  });

  it('writes nothing, deliveries included, when the change rolls back (a second change claiming the same version)', async () => {
    await subscriber(['saga.step_completed']);
    const record = change(randomUUID());
    await expect(transaction(orderDb.database.pool, {}, () => ({ value: undefined, closing: [journalSagaChange(record), journalSagaChange(record)] }))).rejects.toThrow(/saga_events_order_version/);
    expect(await query('select * from saga_events')).toEqual([]);
    expect(await query('select * from webhook_deliveries')).toEqual([]);
  });

  it('announces a saga in flight too long once, with a new version of its row', async () => {
    const orderId = randomUUID();
    await query(`insert into orders (id, user_id, status, items, total_amount, created_at, updated_at) values ($1, $2, 'Pending', '[]', 1, $3, $3)`, [orderId, randomUUID(), now]);
    await query(
      `insert into order_sagas (id, order_id, definition_version, status, current_step, history, snapshot, version, created_at, updated_at, step_deadline_at)
       values ($1, $2, 2, 'InProgress', 'ProcessPayment', '[]', '{}', 4, $3, $3, $4)`,
      [randomUUID(), orderId, now, new Date(now.getTime() + 300_000)],
    );
    const rules = { stuckAfterMs: 60_000, overdueMs: 5000 };
    expect(await announceStuckSagas(orderDb.database, new Date(now.getTime() + 59_000), rules)).toBe(0);
    expect(await announceStuckSagas(orderDb.database, new Date(now.getTime() + 61_000), rules)).toBe(1);
    expect(await announceStuckSagas(orderDb.database, new Date(now.getTime() + 120_000), rules)).toBe(0);
    const [event] = await query('select version, lifecycle from saga_events where order_id = $1', [orderId]);
    expect(event).toEqual({ version: 5, lifecycle: [{ type: 'saga.stuck', reason: 'in flight for more than 60 s' }] });
    expect((await query('select version, stuck_at from order_sagas where order_id = $1', [orderId]))[0]).toEqual({ version: 5, stuck_at: new Date(now.getTime() + 61_000) });
  });

  it('prunes journal rows and finished deliveries past their retention, never a pending delivery', async () => {
    const id = await subscriber(['saga.step_completed']);
    await journal(change(randomUUID(), { at: new Date('2026-10-01T00:00:00Z') }));
    await journal(change(randomUUID()));
    await query(`update webhook_deliveries set status = 'delivered' where created_at < '2026-11-01'`);
    await journal(change(randomUUID(), { at: new Date('2026-10-02T00:00:00Z') }));
    const [old] = await query(`select id from webhook_deliveries where status = 'delivered'`);
    await query('insert into webhook_attempts (delivery_id, attempt, at, status_code, duration_ms) values ($1, 1, $2, 200, 3)', [old.id, now]);

    const { rows } = await runAlone(orderDb.database.pool, pruneJournal({ before: new Date('2026-11-01T00:00:00Z') }));
    expect(rows[0]).toEqual({ events: 2, deliveries: 1 });
    expect((await query('select at from saga_events')).map((row) => row.at)).toEqual([now]);
    expect((await query('select status from webhook_deliveries where subscription_id = $1 order by created_at', [id])).map((row) => row.status)).toEqual(['pending', 'pending']);
    expect(await query('select * from webhook_attempts')).toEqual([]);
  });
});
