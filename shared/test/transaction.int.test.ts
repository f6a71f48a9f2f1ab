import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { PoolClient } from 'pg';
import { assignFrom, insertRows, prepared, preparedSql, type Placeholders } from '../src/db/statement';
import { transaction } from '../src/db/transaction';
import { kernelFixture, type KernelFixture } from './kernelFixture';

const notes = pgTable('notes', {
  id: text('id').primaryKey(),
  body: text('body'),
  doc: jsonb('doc'),
  at: timestamp('at', { withTimezone: true, mode: 'date' }),
});

const readNote = prepared('test_read_note', (db, p: Placeholders<{ id: string }>) => db.select().from(notes).where(eq(notes.id, p.id)));
const touchNote = prepared('test_touch_note', (db, p: Placeholders<{ id: string; body: string; at: Date | null }>) =>
  db.update(notes).set(assignFrom(notes, ['body', 'at'])).where(eq(notes.id, p.id)),
);
const insertNotes = insertRows('test_insert_notes', notes, ['id', 'body', 'doc', 'at'], 2);
const sum = preparedSql('test_sum', (p: Placeholders<{ a: number; b: number }>) => sql`select ${p.a}::int + ${p.b}::int as n`);

let fx: KernelFixture;

beforeAll(async () => {
  fx = await kernelFixture('transaction');
  await fx.query('create table notes (id text primary key, body text, doc jsonb, at timestamptz)');
});
afterAll(async () => {
  await fx.close();
});

const awkward = [`it's`, `back\\slash`, `both \\' and '\\`, `$$ dollar $tag$`, `line\nbreak`, `émoji 🎉`, `--comment`, `'); drop table notes; --`];

type Writer = (...args: unknown[]) => void;

/** Counts the writes a connection's socket makes (a corked batch is one writev): one per round trip when its statements are pipelined. */
function countWrites(client: PoolClient): { writes: number; restore(): void } {
  const stream = (client as unknown as { connection: { stream: { _write: Writer; _writev: Writer } } }).connection.stream;
  const { _write: write, _writev: writev } = stream;
  const counter = {
    writes: 0,
    restore: () => Object.assign(stream, { _write: write, _writev: writev }),
  };
  stream._write = (...args) => {
    counter.writes += 1;
    write.apply(stream, args);
  };
  stream._writev = (...args) => {
    counter.writes += 1;
    writev.apply(stream, args);
  };
  return counter;
}

describe('transaction on typed, pipelined statements', () => {
  it('writes any text and JSON as parameters, exactly as given, prepared or not', async () => {
    const doc = { quotes: awkward, nested: { "key'with": 'quote\\', n: 1.5, none: null } };
    const at = new Date('2026-11-21T10:11:12.345Z');
    const rows = awkward.map((body) => ({ id: randomUUID(), body, doc, at }));
    // Two rows go through the prepared statement for two, the rest through an unprepared one.
    await transaction(fx.database.pool, {}, () => ({ value: undefined, closing: [insertNotes(rows.slice(0, 2)), insertNotes(rows.slice(2))] }));
    const stored = await fx.database.db.select().from(notes).where(inArray(notes.id, rows.map((row) => row.id)));
    expect(stored.map((row) => row.body).sort()).toEqual([...awkward].sort());
    for (const row of stored) {
      expect(row.doc).toEqual(doc);
      expect(row.at!.toISOString()).toBe(at.toISOString());
    }
  });

  it('yields the opening statements results by name, typed, and runs the closing ones before COMMIT', async () => {
    const id = randomUUID();
    await fx.database.db.insert(notes).values({ id, body: 'opened' });
    const value = await transaction(
      fx.database.pool,
      { note: readNote({ id }), sum: sum({ a: 5, b: -3 }) },
      (opened) => ({
        value: `${opened.note[0]!.body} ${opened.sum.rows[0]!.n}`,
        closing: [touchNote({ id, body: 'closed', at: null })],
      }),
    );
    expect(value).toBe('opened 2');
    expect(await fx.query('select body, at from notes where id = $1', [id])).toEqual([{ body: 'closed', at: null }]);
  });

  it('sends BEGIN with the opening statements in one write, and the closing ones with COMMIT in another', async () => {
    const id = randomUUID();
    const [first, second] = [randomUUID(), randomUUID()];
    let counter: ReturnType<typeof countWrites> | undefined;
    const pool = fx.database.pool;
    const connect = pool.connect.bind(pool);
    (pool as { connect: unknown }).connect = async () => {
      const client = await connect();
      counter = countWrites(client);
      return client;
    };
    try {
      await transaction(pool, { one: readNote({ id }), two: readNote({ id: first }), three: sum({ a: 1, b: 2 }) }, () => ({
        value: undefined,
        closing: [insertNotes([{ id: first, body: 'a', doc: null, at: null }]), insertNotes([{ id: second, body: 'b', doc: null, at: null }])],
      }));
    } finally {
      (pool as { connect: unknown }).connect = connect;
      counter?.restore();
    }
    expect(counter!.writes).toBe(2);
  });

  it('prepares a constant statement once per connection', async () => {
    const client = await fx.database.pool.connect();
    try {
      await readNote({ id: randomUUID() }).send(client);
      await readNote({ id: randomUUID() }).send(client);
      const { rows } = await client.query("select count(*)::int as n from pg_prepared_statements where name = 'test_read_note'");
      expect(rows[0]!.n).toBe(1);
    } finally {
      client.release();
    }
  });

  it('refuses two prepared statements of one name', () => {
    expect(() => prepared('test_read_note', (db) => db.select().from(notes))).toThrow(/two prepared statements/);
  });

  it('rolls everything back when the work fails, and keeps the connection for reuse', async () => {
    const id = randomUUID();
    const before = fx.database.pool.totalCount;
    await expect(
      transaction(fx.database.pool, { insert: insertNotes([{ id, body: null, doc: null, at: null }]) }, () => {
        throw new Error('handler bug');
      }),
    ).rejects.toThrow('handler bug');
    expect(await fx.query('select id from notes where id = $1', [id])).toEqual([]);
    expect(fx.database.pool.totalCount).toBe(before);
  });

  it('fails a statement whose value cannot be encoded where it is made, so nothing is sent and nothing commits', async () => {
    const id = randomUUID();
    await expect(
      transaction(fx.database.pool, { insert: insertNotes([{ id, body: 'opened', doc: null, at: null }]) }, () => ({
        value: undefined,
        closing: [touchNote({ id, body: 'closed', at: new Date('not a date') })],
      })),
    ).rejects.toThrow(RangeError);
    expect(await fx.query('select id from notes where id = $1', [id])).toEqual([]);
  });

  it('stops a batch at a value the driver refuses on the spot: the COMMIT behind it is never sent', async () => {
    const id = randomUUID();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic; // the driver cannot serialize it
    await expect(
      transaction(fx.database.pool, { insert: insertNotes([{ id, body: 'opened', doc: null, at: null }]) }, () => ({
        value: undefined,
        closing: [sum({ a: 1, b: cyclic as never }), touchNote({ id, body: 'closed', at: null })],
      })),
    ).rejects.toThrow(/circular/i);
    expect(await fx.query('select id from notes where id = $1', [id])).toEqual([]);
    expect(await fx.query('select 1 as ok')).toEqual([{ ok: 1 }]);
  });

  it('rolls everything back when a closing statement fails, and reports that failure, not the ones it aborted', async () => {
    const id = randomUUID();
    const row = { id, body: null, doc: null, at: null };
    const failure = await transaction(fx.database.pool, { insert: insertNotes([row]) }, () => ({
      value: undefined,
      closing: [insertNotes([row]), touchNote({ id, body: 'never', at: new Date() })], // the same key again, then a statement it aborts
    })).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: '23505' });
    expect(await fx.query('select id from notes where id = $1', [id])).toEqual([]);
    expect(await fx.query('select 1 as ok')).toEqual([{ ok: 1 }]); // the pool still works
  });
});
