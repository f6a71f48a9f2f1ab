import { z } from 'zod';
import { isMoneyString, moneyFromNumber } from '../money';

/** A money amount in a request: a JSON number (19.99) or a decimal string ("19.99"), >= 0, at most 2 decimals. */
export const moneyInput = z
  .union([z.number(), z.string()], { error: 'must be a number or a decimal string' })
  .transform((value, ctx) => {
    const text = typeof value === 'number' ? moneyFromNumber(value) : isMoneyString(value) ? value : undefined;
    if (text === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be >= 0 with at most 2 decimals' });
      return z.NEVER;
    }
    return text;
  });

export const idParams = z.object({ id: z.uuid({ error: 'must be a uuid' }) });
