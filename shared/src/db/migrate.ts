import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type { DatabaseHandle } from './database';

const MIGRATION_LOCK = 72_410_001;

/**
 * Applies a service's checked-in drizzle migrations. Replicas starting together
 * take turns through an advisory lock, since drizzle's migrator does not lock.
 */
export async function applyMigrations({ sql, db }: DatabaseHandle, migrationsFolder: string): Promise<void> {
  const lockHolder = await sql.reserve();
  try {
    await lockHolder`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(db, { migrationsFolder });
  } finally {
    await lockHolder`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => undefined);
    lockHolder.release();
  }
}
