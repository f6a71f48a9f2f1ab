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
  retryQueue(endpoint: string, delayMs: number): string;
}

export function topology(namespace: string): Topology {
  return {
    namespace,
    exchange: `${namespace}.messages`,
    queue: (endpoint) => `${namespace}.${endpoint}`,
    errorQueue: (endpoint) => `${namespace}.${endpoint}.error`,
    retryQueue: (endpoint, delayMs) => `${namespace}.${endpoint}.retry.${delayMs}ms`,
  };
}

export async function declareExchange(channel: Channel, topo: Topology): Promise<void> {
  await channel.assertExchange(topo.exchange, 'topic', { durable: true });
}

/**
 * Declares an endpoint's queues and binds exactly the message types its handlers take. Idempotent.
 *
 * Each retry queue holds messages for one fixed time (a queue-level TTL, so no message
 * waits behind a longer one at the head), then dead-letters them through the default
 * exchange straight back to the work queue, so no other endpoint sees a retry. Retry
 * queues are quorum queues with at-least-once dead-lettering: a broker crash while a
 * message moves back does not lose it (classic queues dead-letter at most once).
 */
export async function declareEndpoint(
  channel: Channel,
  topo: Topology,
  endpoint: string,
  messageTypes: readonly string[],
  options: { queueType?: QueueType; retryDelaysMs?: readonly number[] } = {},
): Promise<void> {
  await declareExchange(channel, topo);
  const queueArgs = { 'x-queue-type': options.queueType ?? 'classic' };
  const queue = topo.queue(endpoint);
  await channel.assertQueue(queue, { durable: true, arguments: queueArgs });
  await channel.assertQueue(topo.errorQueue(endpoint), { durable: true, arguments: queueArgs });
  for (const delayMs of options.retryDelaysMs ?? []) {
    await channel.assertQueue(topo.retryQueue(endpoint, delayMs), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queue,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
  }
  for (const messageType of messageTypes) {
    await channel.bindQueue(queue, topo.exchange, messageType);
  }
}
