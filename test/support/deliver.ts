import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { toPublishOptions, topology, type ServiceName, type Settlement } from '@saga/shared';
import type { BodyOf, Contract } from '@saga/shared/contracts';
import { TEST_AMQP_URL } from '@saga/shared/testing';
import type { TestSystem } from './system';

/**
 * Publishes one message as the order service would, and resolves with what the
 * receiving service's consumer did with it, once it has acknowledged it.
 */
export async function deliver<C extends Contract>(
  system: TestSystem,
  receiver: ServiceName,
  contract: C,
  body: BodyOf<C>,
  orderId: string,
): Promise<Settlement['result']> {
  const messageId = randomUUID();
  const consumer = system.get(receiver).consumer;
  const settled = new Promise<Settlement['result']>((resolve) => {
    const listener = (settlement: Settlement) => {
      if (settlement.messageId !== messageId) return;
      consumer.off('settled', listener);
      resolve(settlement.result);
    };
    consumer.on('settled', listener);
  });
  const connection = await connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    const options = toPublishOptions({
      messageId,
      messageType: contract.messageType,
      correlationId: orderId,
      causationId: null,
      conversationId: orderId,
      sentAt: new Date().toISOString(),
      source: 'test',
    });
    channel.publish(topology(system.namespace).exchange, contract.messageType, Buffer.from(JSON.stringify(body)), options);
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
  return settled;
}
