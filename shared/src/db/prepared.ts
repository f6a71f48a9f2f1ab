import type { Executor } from './database';

/**
 * A query for the hot path, built once per database handle (a pooled connection's, see
 * `drizzleOn`) and run as a named prepared statement: drizzle does not build it again,
 * and PostgreSQL parses and plans it once per connection. `build` must call
 * `.prepare(name)` with a name of its own and use `sql.placeholder` for every value.
 */
export function preparedOn<T>(build: (db: Executor) => T): (db: Executor) => T {
  const byHandle = new WeakMap<Executor, T>();
  return (db) => {
    let query = byHandle.get(db);
    if (query === undefined) {
      query = build(db);
      byHandle.set(db, query);
    }
    return query;
  };
}
