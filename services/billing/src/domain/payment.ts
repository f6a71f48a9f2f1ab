import { formatMoney, parseMoney } from '@saga/shared/money';

export type PaymentDecision = { ok: true } | { ok: false; reason: string; code: 'no_account' | 'insufficient_funds' };

/** Decides a charge against an account's balance; `balance` is undefined when the user has no account. */
export function decidePayment(userId: string, balance: string | undefined, amount: string): PaymentDecision {
  if (balance === undefined) return { ok: false, code: 'no_account', reason: `No account for user ${userId}` };
  const available = parseMoney(balance);
  const needed = parseMoney(amount);
  if (available < needed) {
    return { ok: false, code: 'insufficient_funds', reason: `Insufficient funds: balance ${formatMoney(available)}, needed ${formatMoney(needed)}` };
  }
  return { ok: true };
}
