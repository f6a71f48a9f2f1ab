import postgres, { type Sql } from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';

export type Database = PostgresJsDatabase<Record<string, never>>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Anything a query can run on: the pool or an open transaction. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  sql: Sql;
  db: Database;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  max?: number;
  /** Seconds to wait for a connection before failing; keeps start-up errors quick. */
  connectTimeout?: number;
}

export function openDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 5,
    onnotice: () => undefined,
    // NUMERIC stays a string (postgres.js default); money is parsed exactly by shared/money.
  });
  const db = drizzle(sql) as Database;
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
