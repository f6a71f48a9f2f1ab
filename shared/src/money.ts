/**
 * Money as integer minor units (cents) in a bigint: exact for NUMERIC(18,2)
 * and never a float. On the wire and in JSON it is a decimal string "1299.99".
 */
export type Cents = bigint;

const DECIMAL = /^(0|[1-9]\d{0,15})(\.\d{1,2})?$/;

/** The largest amount a NUMERIC(18,2) column holds: 9999999999999999.99. */
export const MAX_CENTS: Cents = 10n ** 18n - 1n;

export function isMoneyString(value: string): boolean {
  return DECIMAL.test(value);
}

/** Parses "12", "12.3" or "12.34"; rejects negatives, exponents and a third decimal. */
export function parseMoney(value: string): Cents {
  if (!DECIMAL.test(value)) throw new RangeError(`Not a money amount with at most 2 decimals: ${value}`);
  const [whole, fraction = ''] = value.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

export function formatMoney(cents: Cents): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  const fraction = (abs % 100n).toString().padStart(2, '0');
  return `${sign}${abs / 100n}.${fraction}`;
}

/** Converts a JSON number that a client sent as a price (e.g. 19.99) to its exact decimal string. */
export function moneyFromNumber(value: number): string | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const text = String(value);
  return DECIMAL.test(text) ? text : undefined;
}
