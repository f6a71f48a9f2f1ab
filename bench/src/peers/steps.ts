import { randomUUID } from 'node:crypto';
import type { ShippingAddress as Address } from '@saga/shared/contracts';
import { formatMoney, isMoneyString, parseMoney } from '@saga/shared/money';

/**
 * The order saga (version 2) as the peers run it: each step is the SQL of one transaction,
 * with the rules of the services (inventory, billing, shipping, order), on tables shaped
 * as theirs (schema.sql). A step decides and writes, then names the step that follows;
 * the engine around it (DBOS, graphile-worker, none) opens the transaction, records that
 * the step was done and carries the saga on. Parameters always; money as decimal strings
 * in SQL NUMERIC and bigint cents in TypeScript, never a float.
 */

/** One statement inside the step's transaction, whatever the driver: text with $n parameters, rows back. */
export type Query = <Row = Record<string, unknown>>(text: string, params: unknown[]) => Promise<Row[]>;

/** What the saga carries from step to step (as our saga's input and messages do). */
export interface SagaInput {
  orderId: string;
  userId: string;
  /** As ordered (with prices), stored on the order. */
  items: Array<{ productId: string; quantity: number; price: string }>;
  /** The same lines merged by product and sorted by id: the order rows are locked in. */
  lines: Array<{ productId: string; quantity: number }>;
  /** Decimal string, e.g. "3.00". */
  totalAmount: string;
  shippingAddress: Address;
}

export type StepName = 'validate' | 'reserve' | 'pay' | 'ship' | 'refund' | 'release' | 'complete' | 'fail';
export type Next = StepName | 'end';
export type Outcome = 'Completed' | 'Failed';
export const FIRST_STEP: StepName = 'validate';
export const STEP_NAMES: readonly StepName[] = ['validate', 'reserve', 'pay', 'ship', 'refund', 'release', 'complete', 'fail'];

/** The outcome of a saga whose last step was `last`. */
export const outcomeOf = (last: StepName): Outcome => (last === 'complete' ? 'Completed' : 'Failed');

/**
 * Where the shop ships and with whom: the shipping service's rule with its default
 * SHIPPING_COUNTRIES (the EU, GB CH NO IS LI, US CA, AU NZ, JP), DHL within the EU, UPS to the
 * US and Canada, FedEx elsewhere. Restated here, not imported: a peer shares no code with ours.
 */
const EU = new Set('AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' '));
const SERVED = new Set([...EU, ...'GB CH NO IS LI US CA AU NZ JP'.split(' ')]);
const carrierFor = (country: string) => (EU.has(country) ? 'DHL' : country === 'US' || country === 'CA' ? 'UPS' : 'FedEx');

/** Reads a POST /orders body (the order service's shape) into the saga's input, or says what is wrong. */
export function sagaInput(orderId: string, body: unknown): SagaInput | string {
  const b = body as Partial<{ userId: unknown; items: unknown; shippingAddress: Partial<Address> }>;
  if (typeof b?.userId !== 'string') return 'userId is required';
  if (!Array.isArray(b.items) || b.items.length === 0) return 'items must be a non-empty list';
  const items: SagaInput['items'] = [];
  for (const item of b.items as Array<Record<string, unknown>>) {
    const { productId, quantity, price } = item;
    if (typeof productId !== 'string' || !Number.isInteger(quantity) || (quantity as number) <= 0 || typeof price !== 'string' || !isMoneyString(price)) {
      return 'each item needs productId, a positive integer quantity and a decimal price';
    }
    items.push({ productId, quantity: quantity as number, price });
  }
  const address = b.shippingAddress;
  if (typeof address?.country !== 'string') return 'shippingAddress with a country is required';
  const merged = new Map<string, number>();
  for (const { productId, quantity } of items) merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  const lines = [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([productId, quantity]) => ({ productId, quantity }));
  const total = items.reduce((sum, item) => sum + parseMoney(item.price) * BigInt(item.quantity), 0n);
  return { orderId, userId: b.userId, items, lines, totalAmount: formatMoney(total), shippingAddress: address as Address };
}

/** The order, Pending (the order service's part of placing it). */
export async function placeOrder(q: Query, o: SagaInput): Promise<void> {
  await q(
    `insert into orders (id, user_id, status, items, shipping_address, total_amount, created_at, updated_at)
     values ($1::uuid, $2::uuid, 'Pending', $3::jsonb, $4::jsonb, $5::numeric, now(), now())`,
    [o.orderId, o.userId, JSON.stringify(o.items), JSON.stringify(o.shippingAddress), o.totalAmount],
  );
}

const readStock = 'select stock from products where id = $1::uuid';
const lockStock = 'select stock from products where id = $1::uuid for update';

/** Whether every line can be served from free stock: `lock` row-locks the products, in id order. */
async function enoughStock(q: Query, o: SagaInput, lock: boolean): Promise<boolean> {
  for (const line of o.lines) {
    const [product] = await q<{ stock: number }>(lock ? lockStock : readStock, [line.productId]);
    if (!product || product.stock < line.quantity) return false;
  }
  return true;
}

/** ValidateInventory: read only; refuses when a product is unknown or short. */
async function validate(q: Query, o: SagaInput): Promise<Next> {
  return (await enoughStock(q, o, false)) ? 'reserve' : 'fail';
}

/** ReserveInventory: every line or none; stock moves to reserved, one Reserved reservation per product. */
async function reserve(q: Query, o: SagaInput): Promise<Next> {
  if (!(await enoughStock(q, o, true))) return 'fail';
  for (const line of o.lines) {
    await q('update products set stock = stock - $2::int, reserved = reserved + $2::int, updated_at = now() where id = $1::uuid', [line.productId, line.quantity]);
    await q(
      `insert into reservations (id, order_id, product_id, quantity, status, created_at, updated_at)
       values ($1::uuid, $2::uuid, $3::uuid, $4::int, 'Reserved', now(), now())`,
      [randomUUID(), o.orderId, line.productId, line.quantity],
    );
  }
  return 'pay';
}

const insertPayment = `insert into payments (id, order_id, user_id, amount, status, reason, created_at, updated_at)
  values ($1::uuid, $2::uuid, $3::uuid, $4::numeric, $5, $6, now(), now())`;

/** ProcessPayment: charges the account if its balance covers the total (a Completed payment), else records a Failed one. */
async function pay(q: Query, o: SagaInput): Promise<Next> {
  const [account] = await q<{ balance: string }>('select balance::text as balance from accounts where user_id = $1::uuid for update', [o.userId]);
  if (!account || parseMoney(account.balance) < parseMoney(o.totalAmount)) {
    const reason = account ? `Insufficient funds: balance ${account.balance}, needed ${o.totalAmount}` : `No account for user ${o.userId}`;
    await q(insertPayment, [randomUUID(), o.orderId, o.userId, o.totalAmount, 'Failed', reason]);
    return 'release';
  }
  await q('update accounts set balance = balance - $2::numeric, updated_at = now() where user_id = $1::uuid', [o.userId, o.totalAmount]);
  await q(insertPayment, [randomUUID(), o.orderId, o.userId, o.totalAmount, 'Completed', null]);
  return 'ship';
}

/** ScheduleShipping: a Scheduled shipment with the destination's carrier, or a Refused one where the shop does not ship. */
async function ship(q: Query, o: SagaInput): Promise<Next> {
  const id = randomUUID();
  const country = o.shippingAddress.country;
  const served = SERVED.has(country);
  const carrier = served ? carrierFor(country) : null;
  const tracking = carrier ? `${carrier.toUpperCase()}${id.replace(/-/g, '').slice(-12).toUpperCase()}` : null;
  await q(
    `insert into shipments (id, order_id, status, carrier, tracking_number, address, items, reason, created_at, updated_at)
     values ($1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7::jsonb, $8, now(), now())`,
    [id, o.orderId, served ? 'Scheduled' : 'Refused', carrier, tracking, JSON.stringify(o.shippingAddress), JSON.stringify(o.lines), served ? null : `We do not ship to ${country}`],
  );
  return served ? 'complete' : 'refund';
}

/** RefundPayment (compensation): gives a Completed charge back to its account and marks it Refunded. */
async function refund(q: Query, o: SagaInput): Promise<Next> {
  const [payment] = await q<{ id: string; user_id: string; amount: string; status: string }>(
    'select id::text as id, user_id::text as user_id, amount::text as amount, status from payments where order_id = $1::uuid for update',
    [o.orderId],
  );
  if (payment?.status === 'Completed') {
    await q('update accounts set balance = balance + $2::numeric, updated_at = now() where user_id = $1::uuid', [payment.user_id, payment.amount]);
    await q("update payments set status = 'Refunded', updated_at = now() where id = $1::uuid", [payment.id]);
  }
  return 'release';
}

/** ReleaseInventory (compensation): returns every Reserved reservation's quantity to free stock and marks it Released. */
async function release(q: Query, o: SagaInput): Promise<Next> {
  const held = await q<{ id: string; product_id: string; quantity: number }>(
    "select id::text as id, product_id::text as product_id, quantity from reservations where order_id = $1::uuid and status = 'Reserved' order by product_id for update",
    [o.orderId],
  );
  for (const reservation of held) {
    await q('update products set stock = stock + $2::int, reserved = reserved - $2::int, updated_at = now() where id = $1::uuid', [reservation.product_id, reservation.quantity]);
    await q("update reservations set status = 'Released', updated_at = now() where id = $1::uuid", [reservation.id]);
  }
  return 'fail';
}

const ending = (status: Outcome) => async (q: Query, o: SagaInput): Promise<Next> => {
  await q('update orders set status = $2, updated_at = now() where id = $1::uuid', [o.orderId, status]);
  return 'end';
};

/** Each step: its statements, run inside the transaction the engine opened, and the step that follows. */
export const STEPS: Record<StepName, (q: Query, o: SagaInput) => Promise<Next>> = {
  validate,
  reserve,
  pay,
  ship,
  refund,
  release,
  complete: ending('Completed'),
  fail: ending('Failed'),
};

/**
 * The inbox row of a step (for the engines that do not record steps themselves): true if
 * this transaction is the first to do the step, false if it was done before (then the
 * transaction does nothing more).
 */
export async function firstTime(q: Query, orderId: string, step: StepName): Promise<boolean> {
  return (await q('insert into inbox (order_id, step) values ($1::uuid, $2) on conflict do nothing returning 1 as first', [orderId, step])).length === 1;
}
