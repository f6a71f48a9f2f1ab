import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { confirmed } from './confirm';

export type RejectionReason =
  | 'invalid-envelope'
  | 'unknown-message-type'
  | 'contract-violation'
  | 'permanent-failure'
  | 'retries-exhausted';

export const ERROR_HEADER = {
  reason: 'x-error-reason',
  message: 'x-exception-message',
  stack: 'x-exception-stack',
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
  originalQueue: 'x-original-queue',
  attempts: 'x-attempts',
  firstFailureAt: 'x-first-failure-at',
  lastFailureAt: 'x-last-failure-at',
  failedAt: 'x-failed-at',
  failedBy: 'x-failed-by',
} as const;

/** Our own delivery counter: RabbitMQ's x-death is per queue and grows; this is one number we control. */
export const RETRY_HEADER = { attempt: 'x-retry-attempt', lastError: 'x-last-error' } as const;

/** Headers RabbitMQ adds when it dead-letters a message; dropped whenever a message is republished. */
export const BROKER_DEATH_HEADERS = [
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
];
const MAX_TEXT = 4000;
const CONFIRM_TIMEOUT_MS = 5000;

export interface Rejection {
  reason: RejectionReason;
  detail: string;
  error?: Error;
  attempts: number;
}

export interface FailureTarget {
  queue: string;
  service: string;
  now: Date;
}

/** Deliveries this message has had before the current one (0 on its first delivery). */
export function previousDeliveries(message: ConsumeMessage): number {
  const value = Number(message.properties.headers?.[RETRY_HEADER.attempt] ?? 0);
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

/** Headers kept across redeliveries: where the message first came from and when it first failed. */
function failureHeaders(message: ConsumeMessage, now: Date): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...(message.properties.headers ?? {}) };
  for (const name of BROKER_DEATH_HEADERS) delete headers[name];
  headers[ERROR_HEADER.originalExchange] ??= message.fields.exchange;
  headers[ERROR_HEADER.originalRoutingKey] ??= message.fields.routingKey;
  headers[ERROR_HEADER.firstFailureAt] ??= now.toISOString();
  headers[ERROR_HEADER.lastFailureAt] = now.toISOString();
  return headers;
}

async function republish(channel: ConfirmChannel, message: ConsumeMessage, queue: string, headers: Record<string, unknown>) {
  const { properties } = message;
  channel.publish('', queue, message.content, {
    persistent: true,
    contentType: properties.contentType,
    messageId: properties.messageId,
    type: properties.type,
    correlationId: properties.correlationId,
    appId: properties.appId,
    timestamp: properties.timestamp,
    headers,
  });
  await confirmed(channel, CONFIRM_TIMEOUT_MS);
}

/**
 * Parks a message in a retry queue for a later redelivery, counting this delivery.
 * Resolves once the broker confirmed it; only then may the original be acknowledged.
 */
export async function sendToRetryQueue(
  channel: ConfirmChannel,
  message: ConsumeMessage,
  retryQueue: string,
  target: FailureTarget,
  error: Error,
): Promise<void> {
  const headers = failureHeaders(message, target.now);
  headers[RETRY_HEADER.attempt] = previousDeliveries(message) + 1;
  headers[RETRY_HEADER.lastError] = error.message.slice(0, MAX_TEXT);
  await republish(channel, message, retryQueue, headers);
}

/**
 * Puts a message back at the tail of its work queue without counting a delivery:
 * for a failure that was the outage's fault, not the message's. Unlike a requeue,
 * it does not return to the head, so it cannot hold a half-open breaker open forever.
 */
export async function sendToBackOfQueue(channel: ConfirmChannel, message: ConsumeMessage, queue: string): Promise<void> {
  const headers: Record<string, unknown> = { ...(message.properties.headers ?? {}) };
  headers[ERROR_HEADER.originalExchange] ??= message.fields.exchange;
  headers[ERROR_HEADER.originalRoutingKey] ??= message.fields.routingKey;
  await republish(channel, message, queue, headers);
}

/**
 * Moves a message to its queue's error queue with the reason in its headers, keeping
 * its body and properties so it can be replayed. Resolves once the broker confirmed it.
 */
export async function sendToErrorQueue(
  channel: ConfirmChannel,
  message: ConsumeMessage,
  errorQueue: string,
  target: FailureTarget,
  rejection: Rejection,
): Promise<void> {
  const headers = failureHeaders(message, target.now);
  delete headers[RETRY_HEADER.lastError];
  Object.assign(headers, {
    [ERROR_HEADER.reason]: rejection.reason,
    [ERROR_HEADER.message]: rejection.detail.slice(0, MAX_TEXT),
    [ERROR_HEADER.stack]: rejection.error?.stack?.slice(0, MAX_TEXT),
    [ERROR_HEADER.originalQueue]: target.queue,
    [ERROR_HEADER.attempts]: rejection.attempts,
    [ERROR_HEADER.failedAt]: target.now.toISOString(),
    [ERROR_HEADER.failedBy]: target.service,
  });
  await republish(channel, message, errorQueue, headers);
}
