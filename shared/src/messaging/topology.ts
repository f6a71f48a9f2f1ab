import type { Channel } from 'amqplib';

export type QueueType = 'classic' | 'quorum';

/**
 * Names of everything on the broker. One topic exchange carries every message with
 * its message type as routing key; each service (endpoint) has one work queue bound
 * to the types it handles, and an error queue beside it. The namespace prefixes all
 * names so test runs and deployments can share a broker without meeting.
 */
export interface Topology {
  namespace: string;
  exchange: string;
  queue(endpoint: string): string;
  errorQueue(endpoint: string): string;
}

export function topology(namespace: string): Topology {
  return {
    namespace,
    exchange: `${namespace}.messages`,
    queue: (endpoint) => `${namespace}.${endpoint}`,
    errorQueue: (endpoint) => `${namespace}.${endpoint}.error`,
  };
}

export async function declareExchange(channel: Channel, topo: Topology): Promise<void> {
  await channel.assertExchange(topo.exchange, 'topic', { durable: true });
}

/** Declares an endpoint's queues and binds exactly the message types its handlers take. Idempotent. */
export async function declareEndpoint(
  channel: Channel,
  topo: Topology,
  endpoint: string,
  messageTypes: readonly string[],
  queueType: QueueType = 'classic',
): Promise<void> {
  await declareExchange(channel, topo);
  const queueArgs = { 'x-queue-type': queueType };
  await channel.assertQueue(topo.queue(endpoint), { durable: true, arguments: queueArgs });
  await channel.assertQueue(topo.errorQueue(endpoint), { durable: true, arguments: queueArgs });
  for (const messageType of messageTypes) {
    await channel.bindQueue(topo.queue(endpoint), topo.exchange, messageType);
  }
}
