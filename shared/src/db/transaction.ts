import { drizzle } from 'drizzle-orm/node-postgres';
import { escapeLiteral, type Pool, type PoolClient, type QueryResult } from 'pg';
import type { Database } from './database';

/** What the work of a transaction leaves to say with its COMMIT. */
export interface Closing<T> {
  value: T;
  /** Statements to run just before COMMIT, in its round trip (e.g. the outbox rows). */
  closing?: string;
}

/**
 * One transaction on one pooled connection, in as few round trips as node-postgres
 * allows (it sends one query at a time and does not pipeline): `opening` statements go
 * with BEGIN and `closing` ones with COMMIT, as one simple query each. Their values
 * must be inlined with `literal`. On any failure the transaction is rolled back; a
 * connection that cannot even roll back is discarded, not returned to the pool.
 */
export async function transaction<T>(
  pool: Pool,
  opening: string,
  work: (opened: QueryResult[], client: PoolClient) => Promise<Closing<T>>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const results = await client.query(opening ? `begin; ${opening}` : 'begin');
    const opened = (Array.isArray(results) ? results.slice(1) : []) as QueryResult[];
    const { value, closing } = await work(opened, client);
    await client.query(closing ? `${closing}; commit` : 'commit');
    return value;
  } catch (error) {
    await client.query('rollback').catch((rollbackFailure: Error) => {
      broken = rollbackFailure;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

const drizzleByClient = new WeakMap<PoolClient, Database>();

/** Drizzle over one checked-out connection (so its queries run inside that connection's transaction). */
export function drizzleOn(client: PoolClient): Database {
  let db = drizzleByClient.get(client);
  if (!db) {
    db = drizzle(client) as unknown as Database;
    drizzleByClient.set(client, db);
  }
  return db;
}

/** A value as an SQL literal, for the statements `transaction` sends without parameters. */
export function literal(value: string | number | Date | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`literal takes whole numbers only (money is a string), got ${value}`);
    return `(${value})`;
  }
  if (value instanceof Date) return `${escapeLiteral(value.toISOString())}::timestamptz`;
  return escapeLiteral(value);
}

/** A value as a jsonb literal. */
export function jsonLiteral(value: unknown): string {
  return `${escapeLiteral(JSON.stringify(value))}::jsonb`;
}
