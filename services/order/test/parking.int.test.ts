import { randomUUID } from 'node:crypto';
import { runAlone } from '@saga/shared';
import { parkUnknownVersions, resumeKnownVersions } from '../src/saga/parking';
import { useOrderDatabase } from './orderTestDatabase';

// The parking statements on the order service's real schema: which rows a build parks and
// resumes, and what happens to their deadlines.

const orderDb = useOrderDatabase('order_parking');
const { query } = orderDb;
const at = (iso: string) => new Date(iso);

async function saga(version: number, fields: { step?: string | null; saga?: string | null; completed?: string | null; parked?: string | null }): Promise<string> {
  const orderId = randomUUID();
  await query(`insert into orders (id, user_id, status, items, total_amount, created_at, updated_at) values ($1, $2, 'Pending', '[]', 1, now(), now())`, [orderId, randomUUID()]);
  await query(
    `insert into order_sagas (id, order_id, definition_version, status, current_step, history, snapshot, version, created_at, updated_at, completed_at, step_deadline_at, deadline_at, parked_at)
     values ($1, $2, $3, 'InProgress', 'ProcessPayment', '[]', '{}', 1, now(), now(), $4, $5, $6, $7)`,
    [randomUUID(), orderId, version, fields.completed ?? null, fields.step ?? null, fields.saga ?? null, fields.parked ?? null],
  );
  return orderId;
}
const row = async (orderId: string) =>
  (await query('select parked_at, step_deadline_at, deadline_at from order_sagas where order_id = $1', [orderId]))[0] as { parked_at: Date | null; step_deadline_at: Date | null; deadline_at: Date | null };

describe('parking sagas on unknown definition versions', () => {
  it('parks the unfinished sagas on versions the build does not know, and only those', async () => {
    const unknown = await saga(7, { step: '2026-11-30T10:00:30Z', saga: '2026-11-30T10:05:00Z' });
    const known = await saga(2, { step: '2026-11-30T10:00:30Z' });
    const ended = await saga(7, { completed: '2026-11-30T09:00:00Z' });
    await runAlone(orderDb.database.pool, parkUnknownVersions({ now: at('2026-11-30T10:00:10Z'), versions: [1, 2] }));
    expect((await row(unknown)).parked_at).toEqual(at('2026-11-30T10:00:10Z'));
    expect((await row(known)).parked_at).toBeNull();
    expect((await row(ended)).parked_at).toBeNull();
    // Parking again keeps the time it was first parked.
    await runAlone(orderDb.database.pool, parkUnknownVersions({ now: at('2026-11-30T10:00:50Z'), versions: [1, 2] }));
    expect((await row(unknown)).parked_at).toEqual(at('2026-11-30T10:00:10Z'));
  });

  it('resumes parked sagas on versions it knows: deadlines moved on by the time parked, at least the grace left, none added', async () => {
    const long = await saga(3, { step: '2026-11-30T10:00:30Z', saga: '2026-11-30T10:05:00Z', parked: '2026-11-30T10:00:10Z' });
    const late = await saga(3, { step: '2026-11-30T10:00:11Z', parked: '2026-11-30T10:00:10Z' });
    const noDeadline = await saga(3, { completed: '2026-11-30T10:00:20Z', parked: '2026-11-30T10:00:10Z' });
    const stillUnknown = await saga(4, { step: '2026-11-30T10:00:30Z', parked: '2026-11-30T10:00:10Z' });
    await runAlone(orderDb.database.pool, resumeKnownVersions({ now: at('2026-11-30T11:00:10Z'), versions: [1, 2, 3], graceMs: 10_000 }));
    expect(await row(long)).toEqual({ parked_at: null, step_deadline_at: at('2026-11-30T11:00:30Z'), deadline_at: at('2026-11-30T11:05:00Z') });
    expect(await row(late)).toEqual({ parked_at: null, step_deadline_at: at('2026-11-30T11:00:20Z'), deadline_at: null });
    expect(await row(noDeadline)).toEqual({ parked_at: null, step_deadline_at: null, deadline_at: null });
    expect((await row(stillUnknown)).parked_at).toEqual(at('2026-11-30T10:00:10Z'));
  });
});
