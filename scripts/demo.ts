/**
 * `npm run demo`: against a running system (`npm start`), creates products and
 * accounts, places the four outcomes (a shipped order, an out-of-stock order, an unpaid
 * order, and an order to a destination shipping does not serve) and prints each saga's
 * history. URLs: ORDER_URL, INVENTORY_URL, BILLING_URL, SHIPPING_URL.
 */
import { randomUUID } from 'node:crypto';
import { participantOf, perService } from '../services/registry';

/** Each service's `<NAME>_URL`, by default its registry port on this machine. */
const urls = perService((name) => process.env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${participantOf(name).port}`);

async function request<T>(url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => {
    throw new Error(`Cannot reach ${url}. Start the system first with: npm start`);
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

interface Saga {
  status: string;
  definitionVersion: number;
  currentStep: string;
  completedAt: string | null;
  history: Array<{ step: string; status: string; message: string; timestamp: string }>;
}

async function finished(orderId: string): Promise<Saga> {
  for (let i = 0; i < 300; i += 1) {
    const saga = await request<Saga>(`${urls.order}/api/orders/${orderId}/saga`);
    if (saga.completedAt) return saga;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The saga of order ${orderId} did not finish within 30 s; is every service running?`);
}

async function main(): Promise<void> {
  const laptop = await request<{ id: string }>(`${urls.inventory}/api/products`, { name: 'Laptop', price: '1299.99', stock: 5 });
  const lamp = await request<{ id: string }>(`${urls.inventory}/api/products`, { name: 'Desk lamp', price: '49.90', stock: 1 });
  const alice = randomUUID();
  const bob = randomUUID();
  await request(`${urls.billing}/api/accounts`, { userId: alice, balance: '5000.00' });
  await request(`${urls.billing}/api/accounts`, { userId: bob, balance: '10.00' });

  const berlin = { name: 'Alice Example', line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'DE' };
  const southPole = { name: 'Alice Example', line1: 'Amundsen-Scott Station', city: 'South Pole', postalCode: '0000', country: 'AQ' };
  const laptopLine = { productId: laptop.id, productName: 'Laptop', quantity: 1, price: '1299.99' };
  const scenarios = [
    { title: 'Shipped: Alice buys a laptop, delivered to Berlin', userId: alice, items: [laptopLine], shippingAddress: berlin },
    { title: 'Out of stock: Alice wants 3 desk lamps, 1 in stock', userId: alice, items: [{ productId: lamp.id, productName: 'Desk lamp', quantity: 3, price: '49.90' }], shippingAddress: berlin },
    { title: 'Unpaid: Bob (balance 10.00) buys a laptop', userId: bob, items: [laptopLine], shippingAddress: berlin },
    { title: 'Not shipped: Alice wants a laptop at the South Pole (refund, then release)', userId: alice, items: [laptopLine], shippingAddress: southPole },
  ];
  for (const scenario of scenarios) {
    const { title, ...body } = scenario;
    const order = await request<{ id: string; totalAmount: string }>(`${urls.order}/api/orders`, body);
    const saga = await finished(order.id);
    const orderNow = await request<{ status: string }>(`${urls.order}/api/orders/${order.id}`);
    const shipments = await request<Array<{ status: string; carrier: string | null; trackingNumber: string | null }>>(`${urls.shipping}/api/shipments?orderId=${order.id}`);
    console.log(`\n${title}`);
    console.log(`  order ${order.id}  total ${order.totalAmount}  order ${orderNow.status}  saga ${saga.status} (definition version ${saga.definitionVersion})`);
    for (const entry of saga.history) {
      console.log(`  ${entry.timestamp}  ${entry.step.padEnd(17)} ${entry.status.padEnd(9)} ${entry.message}`);
    }
    for (const shipment of shipments) console.log(`  shipment ${shipment.status}${shipment.carrier ? ` with ${shipment.carrier}, tracking ${shipment.trackingNumber}` : ''}`);
  }
  const stock = await request<{ stock: number; reserved: number }>(`${urls.inventory}/api/products/${laptop.id}`);
  const aliceAccount = await request<{ balance: string }>(`${urls.billing}/api/accounts/${alice}`);
  const bobAccount = await request<{ balance: string }>(`${urls.billing}/api/accounts/${bob}`);
  console.log(`\nLaptop stock ${stock.stock} free, ${stock.reserved} reserved; Alice's balance ${aliceAccount.balance}; Bob's ${bobAccount.balance}\n`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
