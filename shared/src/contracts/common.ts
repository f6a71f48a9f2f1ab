import { z } from 'zod';
import { storableText } from '../http/fields';
import { isMoneyString } from '../money';
import { isCountryCode } from './countries';

/** A non-negative amount as a decimal string with at most two decimals: "1299.99". */
export const MoneyString = z.string().refine(isMoneyString, 'must be a decimal string with at most 2 decimals');

/** The body of a message that says only which order it is about. */
export const OrderRef = z.object({ orderId: z.uuid() });

export const StockLine = z.object({
  productId: z.uuid(),
  quantity: z.number().int().min(1),
});
export type StockLine = z.infer<typeof StockLine>;

/** Bounded text a database can store (no NUL, no unpaired surrogate), not blank. */
const addressLine = (max: number) =>
  storableText(z.string().max(max, `must be at most ${max} characters`)).refine((value) => value.trim().length > 0, 'must not be blank');

/** Where an order is shipped. `country` is an ISO 3166-1 alpha-2 code (upper case). */
export const ShippingAddress = z.strictObject({
  name: addressLine(200),
  line1: addressLine(200),
  line2: addressLine(200).optional(),
  city: addressLine(100),
  postalCode: addressLine(20),
  country: z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code, in upper case (e.g. DE)'),
});
export type ShippingAddress = z.infer<typeof ShippingAddress>;

/** The context of a message type `<domain>.<context>.<Name>`: the service that produces it. */
type ContextOf<T extends string> = T extends `${string}.${infer Context}.${string}` ? Context : never;

/**
 * Declares a message contract: its wire name, the zod schema of its body, and its
 * producer: the one service (broker user) that may send it. The producer is the type's
 * context (`domain.billing.PaymentProcessed` comes from billing) unless named; a consumer
 * refuses a message whose broker-validated user-id is anyone else (unauthorized-sender).
 */
export function contract<const T extends string, S extends z.ZodType, const P extends string = ContextOf<T>>(
  messageType: T,
  schema: S,
  options: { producer?: P } = {},
) {
  const producer = (options.producer ?? messageType.split('.')[1]) as P;
  if (!producer) throw new Error(`message type ${messageType} names no producing context`);
  return { messageType, schema, producer } as const;
}

export interface Contract<T extends string = string, S extends z.ZodType = z.ZodType> {
  readonly messageType: T;
  readonly schema: S;
  /** The broker user allowed to send it. */
  readonly producer: string;
}

export type BodyOf<C extends Contract> = z.infer<C['schema']>;

/** A message decided by pure code (a saga's command, a participant's reply): its contract and its body. */
export interface DecidedMessage<C extends Contract = Contract> {
  contract: C;
  body: BodyOf<C>;
}

export const decided = <C extends Contract>(contract: C, body: BodyOf<C>): DecidedMessage<C> => ({ contract, body });

/** A participant's decision on one command, made by pure code: what to write (its own facts, in order) and what to answer. */
export interface Decision<Write, Reply extends DecidedMessage = DecidedMessage> {
  writes: Write[];
  reply: Reply;
}
