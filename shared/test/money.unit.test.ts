import { formatMoney, moneyFromNumber, parseMoney } from '../src/money';

describe('money', () => {
  it('parses decimal strings into exact cents', () => {
    expect(parseMoney('0')).toBe(0n);
    expect(parseMoney('12.3')).toBe(1230n);
    expect(parseMoney('1299.99')).toBe(129999n);
    expect(parseMoney('9999999999999999.99')).toBe(999999999999999999n);
  });

  it('rejects negatives, a third decimal, exponents and leading zeros', () => {
    for (const bad of ['-1', '1.999', '1e3', '01.5', '', '1.', '.5', ' 1']) {
      expect(() => parseMoney(bad)).toThrow(RangeError);
    }
  });

  it('adds 0.10 and 0.20 to exactly 0.30', () => {
    expect(formatMoney(parseMoney('0.10') + parseMoney('0.20'))).toBe('0.30');
  });

  it('formats cents with two decimals and a sign', () => {
    expect(formatMoney(5n)).toBe('0.05');
    expect(formatMoney(-129999n)).toBe('-1299.99');
  });

  it('accepts a JSON number only when it is an exact amount with at most two decimals', () => {
    expect(moneyFromNumber(19.99)).toBe('19.99');
    expect(moneyFromNumber(0.1 + 0.2)).toBeUndefined();
    expect(moneyFromNumber(1.999)).toBeUndefined();
    expect(moneyFromNumber(-1)).toBeUndefined();
    expect(moneyFromNumber(Number.NaN)).toBeUndefined();
  });
});
