import { literal } from './transaction';

/**
 * The statement that serialises transactions about one key (an order id, say) until
 * they end: for handlers whose rows may not exist yet, so a row lock has nothing to
 * hold on to. Handlers ask for it with `serializeBy`; the consumer sends it with BEGIN.
 */
export function lockKeyStatement(key: string): string {
  return `select pg_advisory_xact_lock(hashtextextended(${literal(key)}, 0))`;
}
