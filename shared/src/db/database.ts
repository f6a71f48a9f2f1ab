import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { Pool, type PoolClient } from 'pg';

export type Database = NodePgDatabase<Record<string, never>>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Anything a query can run on: the pool or an open transaction. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  /** Where it connects (for a LISTEN connection of its own, say). */
  url: string;
  pool: Pool;
  db: Database;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  max?: number;
  /** Milliseconds to wait for a connection before failing; keeps errors quick when the database is away. */
  connectTimeoutMs?: number;
}

/**
 * A node-postgres pool with drizzle on top. A connection that dies while checked out
 * (the database went away mid-transaction) emits 'error' on its client, which would
 * crash the process without a listener; every client gets one, and its transaction
 * fails with the error instead. Connections run in pipeline mode. NUMERIC stays a string (money is parsed exactly by shared/money).
 */
export function openDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    // A checked-out connection writes its queries without waiting for the answers of the
    // ones before, so a transaction's statements share round trips (see `transaction`).
    pipeline: true,
  });
  pool.on('error', () => undefined); // an idle client lost its connection; the pool replaces it
  pool.on('connect', (client: PoolClient) => client.on('error', () => undefined));
  const db = drizzle(pool) as Database;
  return { url, pool, db, close: () => pool.end() };
}
