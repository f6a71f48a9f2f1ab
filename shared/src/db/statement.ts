import * as drizzleOrm from 'drizzle-orm';
import { getTableColumns, is, Param, Placeholder, sql, type Column, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect, type PgTable } from 'drizzle-orm/pg-core';
import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import type { Database } from './database';

const SENDABLE = Symbol('statement');

/**
 * One statement for a transaction's connection, built with drizzle (typed columns, typed
 * rows) and sent with parameters, never as text: the kernel takes nothing else, so no
 * string can reach it. `R` is what it yields (its rows, typed).
 *
 * Its values are encoded when it is made, so a value that cannot be encoded fails there,
 * in the code that made it, before anything is sent. `send` writes it at once (statements
 * sent one after another share a write on a pipelined connection, see `transaction`) and
 * throws if the driver refuses it on the spot; otherwise its answer comes as the promise.
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

/** A drizzle query (select, insert, update, delete) not yet run; what it would yield is `R`. */
interface PreparableQuery<R> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<R> };
}

/** A placeholder per value, for building a prepared statement: `p.orderId` stands for `values.orderId`. */
export type Placeholders<V> = { readonly [K in keyof V & string]: Placeholder<K> };

const placeholders = new Proxy({} as Record<string, Placeholder>, {
  get: (_, key) => sql.placeholder(String(key)),
});

/** drizzle over no connection: it builds the queries; the kernel sends them on the transaction's. */
const builder = drizzle.mock() as unknown as Database;

/**
 * What drizzle's node-postgres prepared query holds (read, not documented): the driver's
 * query config with drizzle's type parsers, its parameters (placeholders still in them),
 * and how it maps rows back to the selected fields. Reading them lets the kernel encode
 * the values before sending anything, and send without drizzle's asynchronous wrappers.
 */
interface DrizzlePrepared {
  queryConfig: QueryConfig;
  rawQueryConfig: QueryConfig;
  params: unknown[];
  fields?: unknown[];
  customResultMapper?: (rows: unknown[][]) => unknown;
  joinsNotNullableMap?: Record<string, boolean>;
}
type RowMapper = (fields: unknown[], row: unknown[], joins?: Record<string, boolean>) => unknown;
const mapResultRow = (drizzleOrm as unknown as { mapResultRow?: RowMapper }).mapResultRow;

interface Compiled {
  config: QueryConfig;
  params: unknown[];
  result: (answer: QueryResult) => unknown;
}

function compileQuery(query: PreparableQuery<unknown>, name: string | undefined): Compiled {
  const prepared = query.prepare(name as string) as unknown as DrizzlePrepared;
  if (!prepared.queryConfig || !prepared.rawQueryConfig || !Array.isArray(prepared.params) || typeof mapResultRow !== 'function') {
    throw new Error('drizzle prepared queries no longer have the shape statement.ts reads (queryConfig, params, fields, mapResultRow)');
  }
  const { fields, customResultMapper, joinsNotNullableMap } = prepared;
  if (!fields && !customResultMapper) return { config: prepared.rawQueryConfig, params: prepared.params, result: (answer) => answer };
  return {
    config: prepared.queryConfig,
    params: prepared.params,
    result: (answer) =>
      customResultMapper ? customResultMapper(answer.rows as unknown[][]) : answer.rows.map((row) => mapResultRow(fields!, row as unknown[], joinsNotNullableMap)),
  };
}

/**
 * The driver values of a compiled statement: each placeholder's value, encoded as its
 * column encodes (JSON, timestamps), a null staying NULL (drizzle's own filling would
 * encode it: a timestamp's `toISOString()` would throw, a jsonb become the JSON null).
 */
function encode(params: readonly unknown[], values: Record<string, unknown>): unknown[] {
  const valueOf = (placeholder: Placeholder) => {
    if (!(placeholder.name in values)) throw new Error(`no value for placeholder ${placeholder.name}`);
    return values[placeholder.name];
  };
  return params.map((param) => {
    if (is(param, Placeholder)) return valueOf(param) ?? null;
    if (is(param, Param) && is(param.value, Placeholder)) {
      const value = valueOf(param.value);
      return value === null || value === undefined ? null : param.encoder.mapToDriverValue(value);
    }
    return param; // encoded by drizzle when the query was built
  });
}

function sendable<R>(label: string, compiled: Compiled, values: unknown[]): Statement<R> {
  return {
    [SENDABLE]: true,
    label,
    send: (client) => {
      // With a callback, the driver reports a value it cannot bind at once, while we are
      // still here: that is thrown, so the batch stops before anything behind it (a COMMIT).
      let refusedNow: { error: Error } | undefined;
      let sending = true;
      const answer = new Promise<R>((resolve, reject) => {
        client.query({ ...compiled.config, values }, (error: Error | undefined, result: QueryResult) => {
          if (!error) return resolve(compiled.result(result) as R);
          if (sending) refusedNow = { error };
          reject(error);
        });
      });
      sending = false;
      if (!refusedNow) return answer;
      answer.catch(() => undefined);
      throw refusedNow.error;
    },
  };
}

/**
 * A statement whose text depends on its values (a list of rows, say): built and encoded
 * now, sent with parameters, unprepared.
 */
export function statement<R>(label: string, build: (db: Database) => PreparableQuery<R>): Statement<R> {
  const compiled = compileQuery(build(builder), undefined);
  return sendable(label, compiled, encode(compiled.params, {}));
}

const preparedNames = new Set<string>();

function claimName(name: string): void {
  if (preparedNames.has(name)) throw new Error(`two prepared statements are named ${name}`);
  preparedNames.add(name);
}

/**
 * A statement with constant text, built once with drizzle over placeholders and sent
 * under `name`, so each connection has PostgreSQL parse and plan it once; each use binds
 * typed values. Names must be unique in the process.
 */
export function prepared<V extends Record<string, unknown>, R>(
  name: string,
  build: (db: Database, p: Placeholders<V>) => PreparableQuery<R>,
): (values: V) => Statement<R> {
  claimName(name);
  let compiled: Compiled | undefined;
  return (values) => {
    compiled ??= compileQuery(build(builder, placeholders as Placeholders<V>), name);
    return sendable(name, compiled, encode(compiled.params, values));
  };
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
 * the driver's result, its rows typed as `Row`.
 */
export function preparedSql<V extends Record<string, unknown>, Row extends QueryResultRow = QueryResultRow>(
  name: string,
  build: (p: Placeholders<V>) => SQL,
): (values: V) => Statement<QueryResult<Row>> {
  claimName(name);
  const query = dialect.sqlToQuery(build(placeholders as Placeholders<V>));
  const compiled: Compiled = { config: { name, text: query.sql }, params: query.params, result: (answer) => answer };
  return (values) => sendable(name, compiled, encode(compiled.params, values));
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
