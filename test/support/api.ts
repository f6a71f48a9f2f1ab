import { randomUUID } from 'node:crypto';
import { eventually } from '@saga/shared/testing';
import type { TestBroker } from '@saga/shared/testing';
import type { ParticipantName as ServiceName } from '../../services/registry';

/** Anything running the registry's services: in this process (TestSystem) or as child processes (ProcessSystem). */
export interface RunningSystem {
  namespace: string;
  /** The system's vhost and the services' broker users. */
  broker: TestBroker;
  url(service: ServiceName): string;
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  url: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const response = await fetch(url, {
    method: init.method ?? (init.body !== undefined || init.rawBody !== undefined ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? parsedOrText(text) : undefined) as T, headers: response.headers };
}

/** A body as JSON, or as the text it is when it is not JSON (an HTML error page, say): a reply is never lost to its body. */
function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface Address {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

/** An address the default SHIPPING_COUNTRIES serve, and one they do not (Antarctica). */
export const ADDRESS = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' } satisfies Address;
export const UNSERVED_ADDRESS = { name: 'Research Station', line1: 'McMurdo Sound', city: 'Ross Island', postalCode: '0000', country: 'AQ' } satisfies Address;

export interface OrderLine {
  productId: string;
  quantity: number;
  price: string | number;
  productName?: string;
}

/** The calls a client of the system makes, with the checks every test would repeat. */
export class Shop {
  constructor(private readonly system: RunningSystem) {}

  private url(service: ServiceName, path: string): string {
    return `${this.system.url(service)}${path}`;
  }

  async createProduct(stock: number, price = '10.00', name = 'Widget'): Promise<string> {
    const reply = await call(this.url('inventory', '/api/products'), { body: { name, price, stock } });
    if (reply.status !== 201) throw new Error(`product not created: ${JSON.stringify(reply.body)}`);
    return reply.body.id;
  }

  /** A new customer with an account holding `balance`, and a product with stock 10 at 5.00. */
  async customerWithProduct(balance = '100.00'): Promise<{ userId: string; productId: string }> {
    const productId = await this.createProduct(10, '5.00', 'Lamp');
    const userId = randomUUID();
    await this.createAccount(userId, balance);
    return { userId, productId };
  }

  async createAccount(userId: string, balance: string): Promise<void> {
    const reply = await call(this.url('billing', '/api/accounts'), { body: { userId, balance } });
    if (reply.status !== 201) throw new Error(`account not created: ${JSON.stringify(reply.body)}`);
  }

  placeOrder(userId: string, items: OrderLine[], headers?: Record<string, string>, shippingAddress?: Address): Promise<Reply> {
    return call(this.url('order', '/api/orders'), { body: { userId, items, ...(shippingAddress !== undefined ? { shippingAddress } : {}) }, headers });
  }

  async placeAcceptedOrder(userId: string, items: OrderLine[], shippingAddress?: Address): Promise<string> {
    const reply = await this.placeOrder(userId, items, undefined, shippingAddress);
    if (reply.status !== 202) throw new Error(`order refused: ${JSON.stringify(reply.body)}`);
    return reply.body.id;
  }

  order(id: string) {
    return call(this.url('order', `/api/orders/${id}`));
  }

  saga(orderId: string) {
    return call(this.url('order', `/api/orders/${orderId}/saga`));
  }

  async product(id: string): Promise<{ stock: number; reserved: number }> {
    return (await call(this.url('inventory', `/api/products/${id}`))).body;
  }

  async balance(userId: string): Promise<string> {
    return (await call(this.url('billing', `/api/accounts/${userId}`))).body.balance;
  }

  async payments(orderId: string): Promise<Array<{ amount: string; status: string; userId: string }>> {
    return (await call(this.url('billing', `/api/payments?orderId=${orderId}`))).body;
  }

  async reservations(orderId: string): Promise<Array<{ quantity: number; status: string; productId: string }>> {
    return (await call(this.url('inventory', `/api/reservations?orderId=${orderId}`))).body;
  }

  async shipments(orderId: string): Promise<Array<{ id: string; status: string; carrier: string | null; trackingNumber: string | null; address: Address | null }>> {
    return (await call(this.url('shipping', `/api/shipments?orderId=${orderId}`))).body;
  }

  /** Waits until the order's saga is as `wanted` says, and returns the saga. */
  async waitFor(orderId: string, wanted: (saga: any) => boolean, timeoutMs = 60_000) {
    return eventually(
      async () => {
        const saga = await this.saga(orderId);
        return saga.status === 200 && wanted(saga.body) ? saga.body : undefined;
      },
      { timeoutMs, what: `the saga of order ${orderId} to be as wanted` },
    );
  }

  /** Waits until the order's saga has ended, and returns the saga. */
  async finished(orderId: string, timeoutMs = 60_000) {
    return eventually(
      async () => {
        const saga = await this.saga(orderId);
        return saga.body?.completedAt ? saga.body : undefined;
      },
      { timeoutMs, what: `the saga of order ${orderId} to end` },
    );
  }
}
