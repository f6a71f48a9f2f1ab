import { z } from 'zod';
import { isMoneyString } from '../money';

/** A non-negative amount as a decimal string with at most two decimals: "1299.99". */
export const MoneyString = z.string().refine(isMoneyString, 'must be a decimal string with at most 2 decimals');

export const StockLine = z.object({
  productId: z.uuid(),
  quantity: z.number().int().min(1),
});
export type StockLine = z.infer<typeof StockLine>;

/** Declares a message contract: its wire name and the zod schema of its body. */
export function contract<const T extends string, S extends z.ZodType>(messageType: T, schema: S) {
  return { messageType, schema } as const;
}

export interface Contract<T extends string = string, S extends z.ZodType = z.ZodType> {
  readonly messageType: T;
  readonly schema: S;
}

export type BodyOf<C extends Contract> = z.infer<C['schema']>;
