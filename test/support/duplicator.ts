import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { topology } from '@saga/shared';
import type { TestBroker } from '@saga/shared/testing';
import { SERVICE_NAMES } from '../../services/registry';

const MARK = 'x-test-duplicate';

/**
 * Makes the broker deliver every message twice: a queue bound to every routing key
 * receives each message and publishes one more copy (same message id, marked so the
 * copy is not copied again), as the user who sent it (the broker checks user-id).
 * Consumers must absorb the copies with their inboxes.
 */
export class Duplicator {
  copies = 0;
  private constructor(
    private readonly connections: ChannelModel[],
    private readonly queue: string,
  ) {}

  static async start(namespace: string, broker: TestBroker): Promise<Duplicator> {
    const topo = topology(namespace);
    const publishers = new Map<string, ConfirmChannel>();
    const connections: ChannelModel[] = [];
    for (const service of SERVICE_NAMES) {
      const connection = await broker.connectAs(service);
      connections.push(connection);
      publishers.set(service, await connection.createConfirmChannel());
    }
    // The tap queue is the order user's (its permissions cover saga.order.*).
    const channel = publishers.get('order')!;
    const queue = `${topo.queue('order')}.test-duplicator`;
    await channel.assertExchange(topo.exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: false, autoDelete: true });
    await channel.bindQueue(queue, topo.exchange, '#');
    const duplicator = new Duplicator(connections, queue);
    await channel.consume(queue, (message) => {
      if (!message) return;
      if (message.properties.headers?.[MARK]) return channel.ack(message);
      const publisher = publishers.get(String(message.properties.userId));
      if (!publisher) return channel.ack(message);
      publisher.publish(topo.exchange, message.fields.routingKey, message.content, {
        ...message.properties,
        headers: { ...message.properties.headers, [MARK]: true },
      });
      publisher.waitForConfirms().then(
        () => {
          duplicator.copies += 1;
          channel.ack(message);
        },
        () => channel.nack(message),
      );
    });
    return duplicator;
  }

  async stop(): Promise<void> {
    for (const connection of this.connections) await connection.close().catch(() => undefined);
  }

  get queueName(): string {
    return this.queue;
  }
}
