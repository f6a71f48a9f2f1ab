import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { prepared, type Placeholders } from '../src/db/statement';
import { handler } from '../src/messaging/handler';
import { message } from '../src/messaging/outbox';
import { eventually } from '../src/testing';
import { kernelFixture, Ping, Pong, Probe, type KernelFixture } from './kernelFixture';

let fx: KernelFixture;
const entered: number[] = [];
let releaseFirst: () => void = () => undefined;
const firstHeld = new Promise<void>((resolve) => {
  releaseFirst = resolve;
});

const counters = pgTable('counters', { id: text('id').primaryKey(), seen: integer('seen').notNull(), note: jsonb('note') });

/** Probe 1 holds its transaction open until the test lets it go; the others return at once. */
const onProbe = handler(Probe, {
  serializeBy: (body) => body.orderId,
  handle: async ({ body }) => {
    entered.push(body.n);
    if (body.n === 1) await firstHeld;
  },
});

const readCounter = prepared('test_read_counter', (db, p: Placeholders<{ id: string }>) =>
  db.select({ seen: counters.seen }).from(counters).where(eq(counters.id, p.id)).for('update'),
);
const bumpCounter = prepared('test_bump_counter', (db, p: Placeholders<{ id: string; note: unknown }>) =>
  db
    .insert(counters)
    .values({ id: p.id, seen: 1, note: p.note })
    .onConflictDoUpdate({ target: counters.id, set: { seen: sql`${counters.seen} + 1`, note: sql`excluded.note` } }),
);

/** Reads its counter with BEGIN, bumps it with COMMIT; n < 0 fails after writing the bump. */
const onPing = handler(Ping, {
  load: (body) => ({ counter: readCounter({ id: body.orderId }) }),
  handle: ({ body, loaded, write, send }) => {
    const seen = loaded.counter[0]?.seen ?? 0;
    write(bumpCounter({ id: body.orderId, note: { last: body.n } }));
    if (body.n < 0) throw new Error('handler bug after write');
    send(message(Pong, { orderId: body.orderId, n: seen }, { type: 'order', id: body.orderId }));
  },
});

beforeAll(async () => {
  fx = await kernelFixture('unit_of_work');
  await fx.query('create table counters (id text primary key, seen int not null, note jsonb)');
  await fx.consumer('serial', [onProbe], {});
  await fx.consumer('counting', [onPing], { retry: { immediateRetries: 0, delaysMs: [], jitter: 0 } });
});
afterAll(async () => {
  releaseFirst();
  await fx.close();
});

const waitingForAdvisoryLock = async () =>
  Number(
    (
      await fx.query(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
      )
    )[0]!.n,
  );

describe('serializeBy', () => {
  it('handles messages with the same key one at a time, and others alongside', async () => {
    const orderId = randomUUID();
    fx.publish({ orderId, n: 1 }, { type: Probe.messageType });
    await eventually(() => entered.includes(1), { what: 'probe 1 in its handler' });

    fx.publish({ orderId, n: 2 }, { type: Probe.messageType });
    fx.publish({ orderId: randomUUID(), n: 3 }, { type: Probe.messageType });
    await eventually(async () => entered.includes(3) && (await waitingForAdvisoryLock()) === 1, {
      what: 'probe 3 handled while probe 2 waits for the lock probe 1 holds',
    });
    expect(entered).toEqual([1, 3]);

    releaseFirst();
    await eventually(() => entered.includes(2), { what: 'probe 2 handled after probe 1 ended' });
    expect(entered).toEqual([1, 3, 2]);
  });
});

describe('load and write', () => {
  it('gives the handler the rows read with BEGIN and commits its writes with its replies', async () => {
    const orderId = randomUUID();
    fx.publish({ orderId, n: 1 }, { type: Ping.messageType });
    await eventually(async () => (await fx.query('select seen from counters where id = $1', [orderId]))[0]?.seen === 1, { what: 'the first bump' });
    fx.publish({ orderId, n: 2 }, { type: Ping.messageType });
    await eventually(async () => (await fx.query('select seen from counters where id = $1', [orderId]))[0]?.seen === 2, { what: 'the second bump' });
    expect(await fx.query('select note from counters where id = $1', [orderId])).toEqual([{ note: { last: 2 } }]);
    const replies = await fx.query("select payload from outbox where type = 'test.kernel.Pong' and payload->>'orderId' = $1 order by seq", [orderId]);
    expect(replies.map((row) => row.payload.n)).toEqual([0, 1]); // what each saw when it began
  });

  it('drops the writes when the handler fails after writing them', async () => {
    const orderId = randomUUID();
    fx.publish({ orderId, n: -1 }, { type: Ping.messageType });
    await eventually(async () => (await fx.channel.checkQueue(fx.topology.errorQueue('counting'))).messageCount === 1, { what: 'the error queue' });
    expect(await fx.query('select seen from counters where id = $1', [orderId])).toEqual([]);
  });
});
