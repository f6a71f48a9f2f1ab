import { formatMoney, parseMoney } from '@saga/shared/money';

export type PaymentDecision = { ok: true } | { ok: false; reason: string };

/** Decides a charge against an account's balance; `balance` is undefined when the user has no account. */
export function decidePayment(userId: string, balance: string | undefined, amount: string): PaymentDecision {
  if (balance === undefined) return { ok: false, reason: `No account for user ${userId}` };
  const available = parseMoney(balance);
  const needed = parseMoney(amount);
  if (available < needed) {
    return { ok: false, reason: `Insufficient funds: balance ${formatMoney(available)}, needed ${formatMoney(needed)}` };
  }
  return { ok: true };
}
