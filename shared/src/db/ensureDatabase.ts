import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { compile } from './statement';

async function withAdminClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/**
 * Creates the database named in `url` if it is missing, by connecting to the
 * server's `postgres` maintenance database. Safe when replicas race to create it.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  if (!name) throw new Error(`Database URL ${redactUrl(url)} names no database`);
  await withAdminClient(url, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return;
    try {
      await client.query(compile(sql`create database ${sql.identifier(name)}`));
    } catch (error) {
      // 42P04 duplicate_database, 23505 unique_violation: another replica won the race.
      const code = (error as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
  });
}

export async function dropDatabase(url: string): Promise<void> {
  await withAdminClient(url, (client) => client.query(compile(sql`drop database if exists ${sql.identifier(databaseName(url))} with (force)`)));
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
