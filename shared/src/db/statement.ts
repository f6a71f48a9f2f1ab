import { fillPlaceholders, getTableColumns, is, Param, Placeholder, sql, type Column, type SQL } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect, type PgTable } from 'drizzle-orm/pg-core';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { Database } from './database';

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

const SENDABLE = Symbol('statement');

/**
 * One statement for a transaction's connection, built with drizzle (typed columns, typed
 * rows) and sent with parameters, never as text: the kernel takes nothing else, so no
 * string can reach it. `R` is what it yields (its rows, typed). Sending is synchronous up
 * to the driver, so statements sent one after another in one tick share a round trip on
 * a pipelined connection (see `transaction`).
 */
export interface Statement<R = unknown> {
  readonly [SENDABLE]: true;
  /** A short name for logs and errors. */
  readonly label: string;
  send(client: PoolClient): Promise<R>;
}

export type ResultOf<S> = S extends Statement<infer R> ? R : never;
/** What a record of statements yields, key by key. */
export type ResultsOf<S extends Record<string, Statement>> = { [K in keyof S]: ResultOf<S[K]> };

/** A drizzle query not yet run (select, insert, update, delete, or `db.execute`): drizzle queries run when executed, not when built. */
interface DrizzleQuery<R> {
  execute(): Promise<R>;
}
interface PreparableQuery<R> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<R> };
}

/** A placeholder per value, for building a prepared statement: `p.orderId` stands for `values.orderId`. */
export type Placeholders<V> = { readonly [K in keyof V & string]: Placeholder<K> };

const placeholders = new Proxy({} as Record<string, Placeholder>, {
  get: (_, key) => sql.placeholder(String(key)),
});

/** drizzle wraps driver errors; the driver's (with its SQLSTATE) is the one to classify and to show. */
function unwrapped(error: unknown): unknown {
  const cause = (error as { cause?: unknown }).cause;
  return error instanceof DrizzleQueryError && cause instanceof Error ? cause : error;
}

const sendable = <R>(label: string, send: (client: PoolClient) => Promise<R>): Statement<R> => ({
  [SENDABLE]: true,
  label,
  // Never throws: a statement that cannot even be built fails as a rejected promise, like one the database refuses.
  send: (client) => {
    try {
      return send(client).catch((error: unknown) => Promise.reject(unwrapped(error)));
    } catch (error) {
      return Promise.reject(unwrapped(error));
    }
  },
});

/**
 * A statement whose text depends on its values (a list of rows, say): built anew each
 * time on the transaction's connection and sent with parameters, unprepared.
 */
export function statement<R>(label: string, build: (db: Database) => DrizzleQuery<R>): Statement<R> {
  return sendable(label, (client) => build(drizzleOn(client)).execute());
}

const preparedByClient = new WeakMap<PoolClient, Map<string, { execute(values?: Record<string, unknown>): Promise<unknown> }>>();

function preparedOn<R>(client: PoolClient, name: string, build: () => PreparableQuery<R>) {
  let byName = preparedByClient.get(client);
  if (!byName) {
    byName = new Map();
    preparedByClient.set(client, byName);
  }
  let query = byName.get(name);
  if (!query) {
    query = nullSafe(build().prepare(name));
    byName.set(name, query);
  }
  return query as { execute(values?: Record<string, unknown>): Promise<R> };
}

/**
 * drizzle encodes a value bound to a placeholder with its column's encoder, even a null
 * (a timestamp's `toISOString()` then throws, a jsonb becomes the JSON `null`); a null
 * must stay SQL NULL, as it does for values drizzle binds itself.
 */
function nullSafe<Q>(query: Q): Q {
  const params = (query as { params?: unknown[] }).params;
  if (!Array.isArray(params)) throw new Error('drizzle prepared queries no longer expose their params; see nullSafe');
  params.forEach((param, index) => {
    if (!is(param, Param) || !is(param.value, Placeholder)) return;
    const { encoder } = param;
    params[index] = new Param(param.value, { mapToDriverValue: (value: unknown) => (value === null || value === undefined ? null : encoder.mapToDriverValue(value)) });
  });
  return query;
}

const preparedNames = new Set<string>();

function claimName(name: string): void {
  if (preparedNames.has(name)) throw new Error(`two prepared statements are named ${name}`);
  preparedNames.add(name);
}

/**
 * A statement with constant text, built once with drizzle over placeholders and prepared
 * once per connection under `name` (PostgreSQL parses and plans it once); each use
 * binds typed values. Names must be unique in the process.
 */
export function prepared<V extends Record<string, unknown>, R>(
  name: string,
  build: (db: Database, p: Placeholders<V>) => PreparableQuery<R>,
): (values: V) => Statement<R> {
  claimName(name);
  return (values) =>
    sendable(name, (client) => preparedOn(client, name, () => build(drizzleOn(client), placeholders as Placeholders<V>)).execute(values));
}

/**
 * `set` assignments for an update, one placeholder per column named after it (so the
 * values are given under the columns' names) and encoded as the column encodes (JSON,
 * timestamps): drizzle's `set` types take no placeholders.
 */
export function assignFrom<T extends PgTable, K extends keyof T['$inferInsert'] & string>(table: T, columns: readonly K[]): Record<K, SQL> {
  const byKey = getTableColumns(table) as Record<string, Column>;
  return Object.fromEntries(columns.map((key) => [key, sql`${new Param(sql.placeholder(key), byKey[key])}`])) as Record<K, SQL>;
}

const dialect = new PgDialect();

/**
 * A drizzle `sql` template as the driver's query config, for statements outside a
 * transaction's batches: identifiers (a database, a channel) go in with `sql.identifier`,
 * values as parameters.
 */
export function compile(query: SQL): { text: string; values: unknown[] } {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { text, values: params };
}

/**
 * A prepared statement drizzle's builders cannot express (a function call, a `set local`),
 * written as a drizzle `sql` template: values are placeholders, tables and columns are
 * references to the schema, so it is still never text assembled from strings. Yields
 * the raw rows, typed as `Row`.
 */
export function preparedSql<V extends Record<string, unknown>, Row extends QueryResultRow = QueryResultRow>(
  name: string,
  build: (p: Placeholders<V>) => SQL,
): (values: V) => Statement<QueryResult<Row>> {
  claimName(name);
  const query = dialect.sqlToQuery(build(placeholders as Placeholders<V>));
  return (values) =>
    sendable(name, (client) => client.query<Row>({ name, text: query.sql, values: fillPlaceholders(query.params, values) }));
}

/**
 * Inserts rows into `table`, all with the same `columns`. Prepared per number of rows up
 * to `preparedUpTo` (`<name>_<n>`, so the common one- or two-row inserts are parsed once
 * per connection); more rows go as one unprepared statement with parameters.
 */
export function insertRows<T extends PgTable>(
  name: string,
  table: T,
  columns: ReadonlyArray<keyof T['$inferInsert'] & string>,
  preparedUpTo = 4,
): (rows: ReadonlyArray<T['$inferInsert']>) => Statement<unknown> {
  const byCount = Array.from({ length: preparedUpTo }, (_, index) => {
    const count = index + 1;
    return prepared(`${name}_${count}`, (db, p) => {
      const slots = p as unknown as Record<string, Placeholder>;
      const rows = Array.from({ length: count }, (__, row) => Object.fromEntries(columns.map((column) => [column, slots[`${column}${row}`]])));
      return db.insert(table).values(rows as T['$inferInsert'][]);
    });
  });
  return (rows) => {
    if (rows.length === 0) throw new Error(`${name}: no rows to insert`);
    const exact = byCount[rows.length - 1];
    if (!exact) return statement(name, (db) => db.insert(table).values(rows.map((row) => pick(row, columns)) as T['$inferInsert'][]));
    const values: Record<string, unknown> = {};
    rows.forEach((row, index) => {
      for (const column of columns) values[`${column}${index}`] = (row as Record<string, unknown>)[column] ?? null;
    });
    return exact(values);
  };
}

const pick = (row: object, columns: readonly string[]) => Object.fromEntries(columns.map((column) => [column, (row as Record<string, unknown>)[column] ?? null]));
