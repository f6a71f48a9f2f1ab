import { connect, type ChannelModel } from 'amqplib';
import { topology } from '@saga/shared';
import { TEST_AMQP_URL } from '@saga/shared/testing';

const MARK = 'x-test-duplicate';

/**
 * Makes the broker deliver every message twice: a queue bound to every routing key
 * receives each message and publishes one more copy (same message id, marked so the
 * copy is not copied again). Consumers must absorb the copies with their inboxes.
 */
export class Duplicator {
  copies = 0;
  private constructor(
    private readonly connection: ChannelModel,
    private readonly queue: string,
  ) {}

  static async start(namespace: string): Promise<Duplicator> {
    const topo = topology(namespace);
    const connection = await connect(TEST_AMQP_URL);
    const channel = await connection.createConfirmChannel();
    const queue = `${namespace}.test-duplicator`;
    await channel.assertExchange(topo.exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: false, autoDelete: true });
    await channel.bindQueue(queue, topo.exchange, '#');
    const duplicator = new Duplicator(connection, queue);
    await channel.consume(queue, (message) => {
      if (!message) return;
      if (message.properties.headers?.[MARK]) return channel.ack(message);
      channel.publish(topo.exchange, message.fields.routingKey, message.content, {
        ...message.properties,
        headers: { ...message.properties.headers, [MARK]: true },
      });
      channel.waitForConfirms().then(
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
    await this.connection.close();
  }

  get queueName(): string {
    return this.queue;
  }
}
