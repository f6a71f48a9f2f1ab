import path from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { DatabaseHandle } from './database';

const MIGRATION_LOCK = 72_410_001;

/** The kernel's own migrations (inbox, outbox, the relay's NOTIFY trigger), with their own journal table. */
export const KERNEL_MIGRATIONS = path.join(__dirname, '..', '..', 'drizzle');

/**
 * Applies the kernel's migrations, then the service's checked-in drizzle migrations.
 * Replicas starting together take turns through an advisory lock, since drizzle's
 * migrator does not lock.
 */
export async function applyMigrations(handle: DatabaseHandle, serviceMigrations?: string): Promise<void> {
  const lockHolder = await handle.pool.connect();
  try {
    await lockHolder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(handle.db, { migrationsFolder: KERNEL_MIGRATIONS, migrationsTable: '__drizzle_kernel_migrations' });
    if (serviceMigrations) await migrate(handle.db, { migrationsFolder: serviceMigrations });
  } finally {
    await lockHolder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    lockHolder.release();
  }
}
