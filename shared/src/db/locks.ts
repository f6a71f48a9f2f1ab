import { sql } from 'drizzle-orm';
import type { Executor } from './database';

/**
 * Serialises transactions about one key (an order id, say) until they end: for
 * handlers whose rows may not exist yet, so a row lock has nothing to hold on to.
 */
export async function lockKey(tx: Executor, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}
