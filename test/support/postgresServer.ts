import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventually, TEST_POSTGRES_URL } from '@saga/shared/testing';

const run = promisify(execFile);

/**
 * The machine's PostgreSQL server, stopped and started as an operator would
 * (`pg_ctlcluster`), for the fault suite. Every test that stops it must call
 * `ensurePostgresRuns` in a finally block: other tests, and the machine, need it back.
 */
const version = () => readdirSync('/etc/postgresql').sort().at(-1)!;

const ctl = (action: 'start' | 'stop' | 'restart') =>
  run('pg_ctlcluster', ['--skip-systemctl-redirect', ...(action === 'start' ? [] : ['--mode', 'fast']), version(), 'main', action], { timeout: 120_000 });

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
