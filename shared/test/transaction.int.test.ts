import { randomUUID } from 'node:crypto';
import { jsonLiteral, literal, transaction } from '../src/db/transaction';
import { kernelFixture, type KernelFixture } from './kernelFixture';

let fx: KernelFixture;

beforeAll(async () => {
  fx = await kernelFixture('transaction');
  await fx.query('create table notes (id text primary key, body text, doc jsonb, at timestamptz)');
});
afterAll(async () => {
  await fx.close();
});

const awkward = [`it's`, `back\\slash`, `both \\' and '\\`, `$$ dollar $tag$`, `line\nbreak`, `émoji 🎉`, `--comment`, `'); drop table notes; --`];

describe('transaction with statements inlined into BEGIN and COMMIT', () => {
  it('writes any text and JSON through literals exactly as given', async () => {
    const doc = { quotes: awkward, nested: { "key'with": 'quote\\', n: 1.5, none: null } };
    const at = new Date('2026-11-21T10:11:12.345Z');
    const ids = awkward.map(() => randomUUID());
    const values = awkward.map((body, i) => `(${literal(ids[i]!)}, ${literal(body)}, ${jsonLiteral(doc)}, ${literal(at)})`);
    await transaction(fx.database.pool, `insert into notes values ${values.join(', ')}`, async () => ({ value: undefined }));
    const rows = await fx.query('select id, body, doc, at from notes where id = any($1)', [ids]);
    expect(rows.map((row) => row.body).sort()).toEqual([...awkward].sort());
    for (const row of rows) {
      expect(row.doc).toEqual(doc);
      expect((row.at as Date).toISOString()).toBe(at.toISOString());
    }
  });

  it('inlines whole numbers, negative ones too, and refuses fractions (money travels as strings)', async () => {
    const value = await transaction(fx.database.pool, `select 5 - ${literal(-3)} as n`, async ([opened]) => ({ value: opened?.rows[0]?.n as number }));
    expect(value).toBe(8);
    expect(() => literal(1.5)).toThrow(/whole numbers only/);
  });

  it('returns the opening statements results to the work and runs the closing ones before COMMIT', async () => {
    const id = randomUUID();
    const value = await transaction(fx.database.pool, `insert into notes (id, body) values (${literal(id)}, 'opened') returning body`, async ([opened]) => ({
      value: opened?.rows[0]?.body as string,
      closing: `update notes set body = 'closed' where id = ${literal(id)}`,
    }));
    expect(value).toBe('opened');
    expect(await fx.query('select body from notes where id = $1', [id])).toEqual([{ body: 'closed' }]);
  });

  it('rolls everything back when the work fails, and keeps the connection for reuse', async () => {
    const id = randomUUID();
    const before = fx.database.pool.totalCount;
    await expect(
      transaction(fx.database.pool, `insert into notes (id) values (${literal(id)})`, async (_, client) => {
        await client.query('insert into notes (id) values ($1)', [`${id}-2`]);
        throw new Error('handler bug');
      }),
    ).rejects.toThrow('handler bug');
    expect(await fx.query('select id from notes where id like $1', [`${id}%`])).toEqual([]);
    expect(fx.database.pool.totalCount).toBe(before);
  });

  it('rolls everything back when a closing statement fails', async () => {
    const id = randomUUID();
    await expect(
      transaction(fx.database.pool, `insert into notes (id) values (${literal(id)})`, async () => ({
        value: undefined,
        closing: `insert into notes (id) values (${literal(id)})`, // the same key again
      })),
    ).rejects.toThrow(/duplicate key/);
    expect(await fx.query('select id from notes where id = $1', [id])).toEqual([]);
  });
});
