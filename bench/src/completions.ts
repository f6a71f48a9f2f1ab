import { connect, type ChannelModel } from 'amqplib';
import { topology } from '@saga/shared';
import { order } from '@saga/shared/contracts';

/**
 * Learns when each order's saga ends without polling the API: a queue of the bench's
 * own, bound to OrderCompleted and OrderFailed, records the moment each arrives.
 * `amqpUrl` is the order service's broker user (see TestBroker.urlOf).
 */
export class Completions {
  private readonly ended = new Map<string, { at: number; status: 'Completed' | 'Failed' }>();
  private readonly waiters = new Map<string, (at: number) => void>();
  private constructor(private readonly connection: ChannelModel) {}

  static async start(amqpUrl: string, namespace: string): Promise<Completions> {
    const connection = await connect(amqpUrl, { noDelay: true });
    const channel = await connection.createChannel();
    const topo = topology(namespace);
    await channel.assertExchange(topo.exchange, 'topic', { durable: true });
    // Named under the order endpoint's prefix: the order user connects it, and may only name its own queues.
    const { queue } = await channel.assertQueue(`${topo.queue('order')}.bench-completions`, { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, topo.exchange, order.OrderCompleted.messageType);
    await channel.bindQueue(queue, topo.exchange, order.OrderFailed.messageType);
    const completions = new Completions(connection);
    await channel.consume(
      queue,
      (message) => {
        if (!message) return;
        const at = performance.now();
        const { orderId } = JSON.parse(message.content.toString()) as { orderId: string };
        const status = message.properties.type === order.OrderCompleted.messageType ? 'Completed' : 'Failed';
        completions.ended.set(orderId, { at, status });
        completions.waiters.get(orderId)?.(at);
        completions.waiters.delete(orderId);
      },
      { noAck: true },
    );
    return completions;
  }

  /** Resolves with the time (performance.now) the order's saga was seen ending. */
  ended$(orderId: string, timeoutMs = 60_000): Promise<number> {
    const seen = this.ended.get(orderId);
    if (seen) return Promise.resolve(seen.at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(orderId);
        reject(new Error(`order ${orderId} did not end within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(orderId, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  outcome(orderId: string) {
    return this.ended.get(orderId)?.status;
  }

  async stop(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}
