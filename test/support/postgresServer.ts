import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventually, TEST_POSTGRES_URL } from '@saga/shared/testing';

const run = promisify(execFile);

/**
 * The machine's PostgreSQL server the tests use (the cluster `pg_lsclusters` lists on
 * TEST_POSTGRES_URL's port), stopped and started as an operator would (`pg_ctlcluster`), for
 * the fault suite. Every test that stops it must call `ensurePostgresRuns` in a finally block,
 * and the fault tier's global teardown checks once more: other tests, and the machine, need it.
 */
async function cluster(): Promise<[version: string, name: string]> {
  const port = new URL(TEST_POSTGRES_URL).port || '5432';
  const { stdout } = await run('pg_lsclusters', ['--no-header']);
  const line = stdout.split('\n').map((each) => each.trim().split(/\s+/)).find((fields) => fields[2] === port);
  if (!line) throw new Error(`pg_lsclusters lists no cluster on port ${port} (TEST_POSTGRES_URL)`);
  return [line[0]!, line[1]!];
}

async function ctl(action: 'start' | 'stop' | 'restart'): Promise<void> {
  const [version, name] = await cluster();
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', ...(action === 'start' ? [] : ['--mode', 'fast']), version, name, action], { timeout: 120_000 });
}

async function accepts(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function stopPostgres(): Promise<void> {
  await ctl('stop');
  if (await accepts()) throw new Error('PostgreSQL still accepts connections after pg_ctlcluster stop');
}

export async function restartPostgres(): Promise<void> {
  await ctl('restart');
  await eventually(accepts, { timeoutMs: 60_000, intervalMs: 200, what: 'PostgreSQL to accept connections after its restart' });
}

/** Starts the server if it does not answer, and waits until it accepts connections. */
export async function ensurePostgresRuns(): Promise<void> {
  if (await accepts()) return;
  await ctl('start').catch(() => undefined); // "already running" while it is still starting up
  await eventually(accepts, { timeoutMs: 60_000, intervalMs: 200, what: 'PostgreSQL to accept connections' });
}
