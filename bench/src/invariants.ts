import { connect } from 'amqplib';
import { formatMoney, parseMoney } from '@saga/shared/money';
import type { ParticipantName } from '../../services/registry';
import { PLENTY_STOCK, RICH_BALANCE, type Catalog } from './load';
import { withClient } from './sql';

const query = async <T>(url: string, text: string, params: unknown[] = []): Promise<T[]> => (await withClient(url, (client) => client.query(text, params))).rows as T[];

/**
 * The invariants after a run, checked in aggregate with SQL (fast for thousands of
 * orders): every order terminal; stock conserved; money conserved; no order charged
 * twice; as many charges, reservations and scheduled shipments as Completed orders
 * (every bench order has an address); error queues empty.
 */
export async function brokenInvariants(
  /** Each service's database (these checks read the order, inventory, billing and shipping ones). */
  databases: Record<ParticipantName, string>,
  /** Each error queue, with the URL of the broker user that may read it (its service's). */
  errorQueues: Array<{ queue: string; amqpUrl: string }>,
  catalog: Catalog,
): Promise<string[]> {
  const broken: string[] = [];
  const [orders] = await query<{ pending: number; completed: number }>(
    databases.order,
    "select count(*) filter (where status = 'Pending')::int as pending, count(*) filter (where status = 'Completed')::int as completed from orders",
  );
  if (orders!.pending > 0) broken.push(`${orders!.pending} orders are not terminal`);
  const unconserved = await query<{ id: string }>(databases.inventory, 'select id from products where id = any($1) and stock + reserved <> $2', [catalog.plenty, PLENTY_STOCK]);
  if (unconserved.length > 0) broken.push(`stock not conserved for ${unconserved.length} products`);
  const [scarce] = await query<{ total: number }>(databases.inventory, 'select stock + reserved as total from products where id = $1', [catalog.scarce]);
  if (scarce!.total !== 1) broken.push('stock not conserved for the scarce product');
  const [held] = await query<{ orders: number }>(databases.inventory, "select count(distinct order_id)::int as orders from reservations where status = 'Reserved'");
  if (held!.orders !== orders!.completed) broken.push(`${held!.orders} orders hold stock, ${orders!.completed} completed`);
  const [charges] = await query<{ orders: number; charges: number; total: string | null }>(
    databases.billing,
    "select count(distinct order_id)::int as orders, count(*)::int as charges, sum(amount)::text as total from payments where status = 'Completed' and user_id = any($1)",
    [catalog.rich],
  );
  if (charges!.charges !== charges!.orders) broken.push('an order was charged twice');
  if (charges!.orders !== orders!.completed) broken.push(`${charges!.orders} charges for ${orders!.completed} completed orders`);
  // Every bench order has an address: the orders with a Scheduled shipment are exactly the Completed ones.
  const completed = new Set((await query<{ id: string }>(databases.order, "select id from orders where status = 'Completed'")).map((row) => row.id));
  const shipped = new Set((await query<{ order_id: string }>(databases.shipping, "select order_id from shipments where status = 'Scheduled'")).map((row) => row.order_id));
  const shippedNotCompleted = [...shipped].filter((orderId) => !completed.has(orderId)).length;
  const completedNotShipped = [...completed].filter((orderId) => !shipped.has(orderId)).length;
  if (shippedNotCompleted > 0) broken.push(`${shippedNotCompleted} orders that did not complete have a scheduled shipment`);
  if (completedNotShipped > 0) broken.push(`${completedNotShipped} completed orders have no scheduled shipment`);
  const [accounts] = await query<{ total: string }>(databases.billing, 'select sum(balance)::text as total from accounts where user_id = any($1)', [catalog.rich]);
  const expected = formatMoney(parseMoney(RICH_BALANCE) * BigInt(catalog.rich.length) - parseMoney(charges!.total ?? '0'));
  if (formatMoney(parseMoney(accounts!.total)) !== expected) broken.push(`money not conserved: balances ${accounts!.total}, expected ${expected}`);
  const [poor] = await query<{ balance: string }>(databases.billing, 'select balance from accounts where user_id = $1', [catalog.poor]);
  if (poor!.balance !== '0.50') broken.push(`the poor account was charged: ${poor!.balance}`);
  for (const { queue, amqpUrl } of errorQueues) {
    const connection = await connect(amqpUrl);
    try {
      const { messageCount } = await (await connection.createChannel()).checkQueue(queue);
      if (messageCount > 0) broken.push(`${queue} holds ${messageCount} messages`);
    } finally {
      await connection.close();
    }
  }
  return broken;
}
