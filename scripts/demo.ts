/**
 * `npm run demo`: against a running system (`npm start`), creates products and
 * accounts, places a happy order, an out-of-stock order and an unpaid order, and
 * prints each saga's history. URLs: ORDER_URL, INVENTORY_URL, BILLING_URL.
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

  const scenarios = [
    { title: 'Happy order: Alice buys a laptop', userId: alice, items: [{ productId: laptop.id, productName: 'Laptop', quantity: 1, price: '1299.99' }] },
    { title: 'Out of stock: Alice wants 3 desk lamps, 1 in stock', userId: alice, items: [{ productId: lamp.id, productName: 'Desk lamp', quantity: 3, price: '49.90' }] },
    { title: 'Unpaid: Bob (balance 10.00) buys a laptop', userId: bob, items: [{ productId: laptop.id, productName: 'Laptop', quantity: 1, price: '1299.99' }] },
  ];
  for (const scenario of scenarios) {
    const order = await request<{ id: string; totalAmount: string }>(`${urls.order}/api/orders`, {
      userId: scenario.userId,
      items: scenario.items,
    });
    const saga = await finished(order.id);
    const orderNow = await request<{ status: string }>(`${urls.order}/api/orders/${order.id}`);
    console.log(`\n${scenario.title}`);
    console.log(`  order ${order.id}  total ${order.totalAmount}  order ${orderNow.status}  saga ${saga.status}`);
    for (const entry of saga.history) {
      console.log(`  ${entry.timestamp}  ${entry.step.padEnd(17)} ${entry.status.padEnd(9)} ${entry.message}`);
    }
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
