import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Query } from './steps';

/** Statement names by text: each statement is prepared once per connection, as the services' are (ADR 13) and the engines' own are. */
const names = new Map<string, string>();
const nameOf = (text: string) => {
  let name = names.get(text);
  if (!name) names.set(text, (name = `peer_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  return name;
};

/** Runs `work` in one transaction on the client (node-postgres): BEGIN, its statements, COMMIT, or ROLLBACK if it throws. */
export async function inTransaction<T>(client: PoolClient, work: (q: Query) => Promise<T>): Promise<T> {
  const q: Query = async <Row>(text: string, values: unknown[]) => (await client.query({ name: nameOf(text), text, values })).rows as Row[];
  await client.query('begin');
  try {
    const value = await work(q);
    await client.query('commit');
    return value;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

/** The same on a connection taken from `pool` for the transaction. */
export async function inPoolTransaction<T>(pool: Pool, work: (q: Query) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, work);
  } finally {
    client.release();
  }
}
