/**
 * Helpers for tests that use the real PostgreSQL and RabbitMQ: a database of its
 * own per test file and a broker namespace of its own, both removed afterwards, so
 * test files do not disturb each other nor a running `npm start`.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { dropDatabase, ensureDatabase } from './db/ensureDatabase';

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Creates a fresh, empty database and returns its URL. */
export async function createTestDatabase(prefix = 'test'): Promise<string> {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${uniqueName(prefix)}`;
  await ensureDatabase(url.toString());
  return url.toString();
}

export { dropDatabase as dropTestDatabase };

/** Deletes every queue and the exchange of a test namespace. */
export async function deleteNamespace(namespace: string, queues: string[]): Promise<void> {
  const connection = await connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.deleteExchange(`${namespace}.messages`);
  } finally {
    await connection.close();
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails after a generous deadline. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
