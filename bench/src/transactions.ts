import { TEST_POSTGRES_URL } from '@saga/shared/testing';
import { withClient } from './sql';

/** Transactions committed or rolled back so far in these databases (PostgreSQL's statistics). */
export async function transactions(databases: string[]): Promise<number> {
  const names = databases.map((url) => new URL(url).pathname.slice(1));
  const { rows } = await withClient(TEST_POSTGRES_URL, (client) =>
    client.query<{ n: string }>('select sum(xact_commit + xact_rollback)::text as n from pg_stat_database where datname = any($1)', [names]),
  );
  return Number(rows[0]?.n ?? 0);
}
