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

/**
 * Text PostgreSQL can store: no NUL character (text columns refuse it) and no unpaired
 * UTF-16 surrogate (it has no UTF-8 form). A request with either is a 400 naming the field.
 */
export function storableText(schema: z.ZodString = z.string()) {
  return schema
    .refine((value) => !value.includes('\u0000'), 'must not contain a NUL character')
    .refine((value) => !UNPAIRED_SURROGATE.test(value), 'must not contain an unpaired UTF-16 surrogate');
}
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const idParams = z.object({ id: z.uuid({ error: 'must be a uuid' }) });

/** `?orderId=<uuid>`: what a participant's records of one order are listed by. */
export const orderIdQuery = z.object({ orderId: z.uuid({ error: 'must be a uuid' }) });
