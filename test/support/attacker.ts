import { randomUUID } from 'node:crypto';
import { connect, type GetMessage, type Options } from 'amqplib';
import { HEADER, topology, type Settlement } from '@saga/shared';
import { eventually } from '@saga/shared/testing';
import type { ParticipantName as ServiceName } from '../../services/registry';
import { takeAll } from '../../shared/test/kernelFixture';
import type { TestSystem } from './system';

/** What the broker said to a publish: confirmed, or the reason it closed the connection or channel. */
export type PublishOutcome = { confirmed: true } | { confirmed: false; refusal: string };

/** Properties of a well-formed message about `orderId`, as `user` would publish it; `overrides` replace any part. */
export function envelopeOf(type: string, orderId: string, user: string | undefined, overrides: Options.Publish = {}): Options.Publish & { messageId: string } {
  return {
    persistent: true,
    contentType: 'application/json',
    messageId: randomUUID(),
    type,
    correlationId: orderId,
    appId: user,
    ...(user ? { userId: user } : {}),
    headers: { [HEADER.conversationId]: orderId, [HEADER.sentAt]: new Date().toISOString() },
    ...overrides,
  } as Options.Publish & { messageId: string };
}

/**
 * Publishes one message as `as` (a service's user, or a URL with any credentials) on a
 * confirm channel, and reports whether the broker took it or refused it.
 */
export async function publishAs(
  system: TestSystem,
  as: ServiceName | { url: string },
  target: { exchange: string; routingKey: string },
  content: Buffer | unknown,
  options: Options.Publish,
): Promise<PublishOutcome> {
  let refusal: string | undefined;
  let connection;
  try {
    connection = typeof as === 'string' ? await system.broker.connectAs(as) : await connect(as.url);
  } catch (error) {
    return { confirmed: false, refusal: (error as Error).message };
  }
  connection.on('error', (error: Error) => (refusal ??= error.message));
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => (refusal ??= error.message));
    const body = Buffer.isBuffer(content) ? content : Buffer.from(JSON.stringify(content));
    channel.publish(target.exchange, target.routingKey, body, options);
    await channel.waitForConfirms(); // a refused publish closes the channel instead: no confirm comes
    return refusal ? { confirmed: false, refusal } : { confirmed: true };
  } catch (error) {
    return { confirmed: false, refusal: refusal ?? (error as Error).message };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The shared exchange, routed by message type. */
export const onExchange = (system: TestSystem, type: string) => ({ exchange: topology(system.namespace).exchange, routingKey: type });

/** The URL of the system's vhost with the given credentials (e.g. the broker's default guest/guest). */
export function urlWith(system: TestSystem, user: string, password: string): string {
  const url = new URL(system.broker.url);
  url.username = user;
  url.password = password;
  return url.toString();
}

/** Resolves with what `service`'s consumer did with the message, once it has told the broker. */
export function settledOn(system: TestSystem, service: ServiceName, messageId: string): Promise<Settlement> {
  const consumer = system.get(service).consumer;
  return new Promise((resolve) => {
    const listener = (settlement: Settlement) => {
      if (settlement.messageId !== messageId) return;
      consumer.off('settled', listener);
      resolve(settlement);
    };
    consumer.on('settled', listener);
  });
}

/**
 * Takes every message in `service`'s error queue (as its user) until one has `messageId`,
 * and returns them all: the error queue is left empty for the next case.
 */
export async function takeErrorQueue(system: TestSystem, service: ServiceName, messageId: string): Promise<GetMessage[]> {
  const connection = await system.broker.connectAs(service);
  try {
    const channel = await connection.createChannel();
    const queue = topology(system.namespace).errorQueue(service);
    const taken: GetMessage[] = [];
    await eventually(
      async () => {
        taken.push(...(await takeAll(channel, queue)));
        return taken.some((message) => message.properties.messageId === messageId);
      },
      { what: `message ${JSON.stringify(messageId.slice(0, 60))} in ${queue}` },
    );
    return taken;
  } finally {
    await connection.close();
  }
}

/** /health of every service: all must answer 200 `up`. */
export async function healthOf(system: TestSystem): Promise<Record<string, { status: number; body: { status: string; checks: Record<string, string> } }>> {
  const entries = await Promise.all(
    [...system.services.keys()].map(async (service) => {
      const response = await fetch(`${system.url(service)}/health`);
      return [service, { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
