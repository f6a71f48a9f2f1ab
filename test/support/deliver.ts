import { randomUUID } from 'node:crypto';
import { toPublishOptions, topology, type Settlement } from '@saga/shared';
import { settledOn } from './attacker';
import type { BodyOf, Contract } from '@saga/shared/contracts';
import type { ParticipantName as ServiceName } from '../../services/registry';
import type { TestSystem } from './system';

/**
 * Publishes one message as its producer would (as the producer's broker user), and resolves with what the
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
  const settled = settledOn(system, receiver, messageId).then((settlement) => settlement.result);
  const connection = await system.broker.connectAs(contract.producer);
  try {
    const channel = await connection.createConfirmChannel();
    const options = toPublishOptions({
      messageId,
      messageType: contract.messageType,
      correlationId: orderId,
      causationId: null,
      conversationId: orderId,
      sentAt: new Date().toISOString(),
      source: contract.producer,
    }, contract.producer);
    channel.publish(topology(system.namespace).exchange, contract.messageType, Buffer.from(JSON.stringify(body)), options);
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
  return settled;
}
