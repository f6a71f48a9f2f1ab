import path from 'node:path';
import { applyMigrations, openDatabase, type DatabaseHandle } from '@saga/shared';
import { createTestDatabase, dropTestDatabase } from '@saga/shared/testing';

/**
 * A database of the test file's own with the order service's schema, created before its
 * tests and dropped after them (registers the jest hooks): `database` and `query` once they run.
 */
export function useOrderDatabase(prefix: string) {
  let url: string | undefined;
  let database: DatabaseHandle | undefined;
  beforeAll(async () => {
    url = await createTestDatabase(prefix);
    database = openDatabase(url, { max: 2 });
    await applyMigrations(database, path.join(__dirname, '..', 'drizzle'));
  });
  afterAll(async () => {
    await database?.close();
    if (url) await dropTestDatabase(url);
  });
  const opened = (): DatabaseHandle => {
    if (!database) throw new Error('the order test database is not open yet (use it inside a test)');
    return database;
  };
  return {
    get database(): DatabaseHandle {
      return opened();
    },
    query: async (text: string, params: unknown[] = []) => (await opened().pool.query(text, params)).rows,
  };
}
