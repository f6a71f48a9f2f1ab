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
  /**
   * The endpoint's own direct exchange, bound to each of its queues by the queue's name:
   * how the endpoint (and the DLQ tool, as the endpoint's user) puts a message back into
   * its own queues without the right to publish on the default exchange, which reaches
   * every queue.
   */
  directExchange(endpoint: string): string;
}

/** The namespace of the saga's exchange and queues unless MESSAGING_NAMESPACE says otherwise. */
export const DEFAULT_NAMESPACE = 'saga';

/** The direct exchange of the endpoint whose work queue is `queue` (see Topology.directExchange). */
export const directExchangeOf = (workQueue: string) => `${workQueue}.direct`;

export function topology(namespace: string): Topology {
  return {
    namespace,
    exchange: `${namespace}.messages`,
    queue: (endpoint) => `${namespace}.${endpoint}`,
    errorQueue: (endpoint) => `${namespace}.${endpoint}.error`,
    retryQueue: (endpoint, delayMs) => `${namespace}.${endpoint}.retry.${delayMs}ms`,
    directExchange: (endpoint) => directExchangeOf(`${namespace}.${endpoint}`),
  };
}

export async function declareExchange(channel: Channel, topo: Topology): Promise<void> {
  await channel.assertExchange(topo.exchange, 'topic', { durable: true });
}

/**
 * Declares an endpoint's queues and binds exactly the message types its handlers take. Idempotent.
 *
 * A message the endpoint rejects without requeueing (because it could not even be moved
 * to the error queue) is dead-lettered there by the broker: nothing is dropped.
 *
 * Each retry queue holds messages for one fixed time (a queue-level TTL, so no message
 * waits behind a longer one at the head), then dead-letters them through the endpoint's
 * direct exchange straight back to the work queue, so no other endpoint sees a retry. Retry
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
  const errorQueue = topo.errorQueue(endpoint);
  const direct = topo.directExchange(endpoint);
  await channel.assertExchange(direct, 'direct', { durable: true });
  await channel.assertQueue(queue, {
    durable: true,
    arguments: { ...queueArgs, 'x-dead-letter-exchange': direct, 'x-dead-letter-routing-key': errorQueue },
  });
  await channel.assertQueue(errorQueue, { durable: true, arguments: queueArgs });
  for (const delayMs of options.retryDelaysMs ?? []) {
    await channel.assertQueue(topo.retryQueue(endpoint, delayMs), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': direct,
        'x-dead-letter-routing-key': queue,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
  }
  const retryQueues = (options.retryDelaysMs ?? []).map((delayMs) => topo.retryQueue(endpoint, delayMs));
  for (const name of [queue, errorQueue, ...retryQueues]) await channel.bindQueue(name, direct, name);
  for (const messageType of messageTypes) {
    await channel.bindQueue(queue, topo.exchange, messageType);
  }
}
