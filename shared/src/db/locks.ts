import { sql } from 'drizzle-orm';
import { preparedSql, type Placeholders } from './statement';

/**
 * Serialises transactions about one key (an order id, say) until they end: for handlers
 * whose rows may not exist yet, so a row lock has nothing to hold on to. Handlers ask for
 * it with `serializeBy`; the consumer sends it with BEGIN.
 */
export const lockKey = preparedSql('kernel_lock_key', (p: Placeholders<{ key: string }>) => sql`select pg_advisory_xact_lock(hashtextextended(${p.key}, 0))`);
