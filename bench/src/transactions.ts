import { Client } from 'pg';
import { TEST_POSTGRES_URL } from '@saga/shared/testing';

/** Transactions committed or rolled back so far in these databases (PostgreSQL's statistics). */
export async function transactions(databases: string[]): Promise<number> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const names = databases.map((url) => new URL(url).pathname.slice(1));
    const { rows } = await client.query<{ n: string }>('select sum(xact_commit + xact_rollback)::text as n from pg_stat_database where datname = any($1)', [names]);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
