import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { publishConfirmed } from './confirm';
import { encodedSize, HEADER } from './envelope';

export type RejectionReason =
  | 'invalid-envelope'
  | 'unknown-message-type'
  | 'contract-violation'
  | 'unauthorized-sender'
  | 'correlation-mismatch'
  | 'reply-mismatch'
  | 'saga-version-unknown'
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

/**
 * Our own delivery counters: RabbitMQ's x-death is per queue and grows; these are numbers
 * we control. `rotations` counts failures while a breaker was open or half-open, which
 * do not count as deliveries but are bounded too.
 */
export const RETRY_HEADER = { attempt: 'x-retry-attempt', lastError: 'x-last-error', rotations: 'x-breaker-rotations' } as const;

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
/** A header value of a republished message longer than this is cut, with a marker saying so. */
const MAX_HEADER_VALUE = 1024;
/** The same for the headers we write ourselves (exception message and stack, at most 4000 characters each). */
const MAX_OWN_HEADER_VALUE = 4096;
/** Stands in x-original-user-id for a message that came with no user-id: it stays nobody's on a replay. */
export const NO_SENDER = '(none)';
/** The header table of a republished message stays under this (amqplib's buffer is 64 KiB). */
const MAX_HEADER_TABLE = 48 * 1024;

export interface Rejection {
  reason: RejectionReason;
  detail: string;
  error?: Error;
  attempts: number;
}

export interface FailureTarget {
  queue: string;
  /** The endpoint's direct exchange, bound to its work, retry and error queues by queue name. */
  exchange: string;
  service: string;
  /** The receiving service's broker user: republishes carry it as user-id, and only its own republishes are believed to carry our headers. */
  user: string;
  /** The broker-validated sender of the message, if known: kept in x-original-user-id. */
  sender: string | undefined;
  now: Date;
}

/** Our counters on a message `self` republished; 0 on anyone else's, whatever headers it claims. */
const counter = (message: ConsumeMessage, header: string, self: string) => {
  if (message.properties.userId !== self) return 0;
  const value = Number(message.properties.headers?.[header] ?? 0);
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
};

/** Deliveries this message has had before the current one (0 on its first delivery). */
export const previousDeliveries = (message: ConsumeMessage, self: string): number => counter(message, RETRY_HEADER.attempt, self);

/** Times this message failed while a breaker was open or half-open, before this delivery. */
export const previousRotations = (message: ConsumeMessage, self: string): number => counter(message, RETRY_HEADER.rotations, self);

/** Headers kept across redeliveries: who sent it, where it first came from and when it first failed. */
function failureHeaders(message: ConsumeMessage, target: FailureTarget): Record<string, unknown> {
  const headers = keptHeaders(message, target);
  headers[ERROR_HEADER.firstFailureAt] ??= target.now.toISOString();
  headers[ERROR_HEADER.lastFailureAt] = target.now.toISOString();
  return headers;
}

/**
 * The message's headers to carry on. Ours (error, retry, sender) are believed only on a
 * message we republished ourselves (its user-id is ours, which nobody else can send):
 * on anyone else's they are dropped, so no sender can pre-set them.
 */
function keptHeaders(message: ConsumeMessage, target: FailureTarget): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...(message.properties.headers ?? {}) };
  for (const name of BROKER_DEATH_HEADERS) delete headers[name];
  if (message.properties.userId !== target.user) for (const name of Object.keys(OWN_HEADER_NAMES)) delete headers[name];
  headers[HEADER.originalUserId] = target.sender ?? NO_SENDER;
  headers[ERROR_HEADER.originalExchange] ??= message.fields.exchange;
  headers[ERROR_HEADER.originalRoutingKey] ??= message.fields.routingKey;
  return headers;
}

/** Headers we write ourselves: kept (up to 4 kB each) when others are cut or dropped. */
const OWN_HEADER_NAMES: Record<string, true> = Object.fromEntries(
  [...Object.values(ERROR_HEADER), ...Object.values(RETRY_HEADER), HEADER.originalUserId].map((name) => [name, true]),
);

/**
 * Keeps a republished message's header table encodable whatever it arrived with: a value
 * over 1 KiB (4 KiB for ours) is cut with a marker, and if the table is still too big, the
 * largest headers not written by us are dropped (each leaving a marker in x-dropped-headers).
 */
export function boundHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const bounded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const limit = OWN_HEADER_NAMES[name] === true ? MAX_OWN_HEADER_VALUE : MAX_HEADER_VALUE;
    const size = encodedSize(value);
    if (size <= limit) bounded[name] = value;
    else if (typeof value === 'string' || Buffer.isBuffer(value)) {
      const text = Buffer.from(value).subarray(0, limit).toString('utf8');
      bounded[name] = `${text}...[truncated from ${Buffer.byteLength(value)} bytes]`;
    } else bounded[name] = `[removed: about ${size} bytes]`;
  }
  const dropped: string[] = [];
  let total = encodedSize(bounded);
  const sizes = Object.keys(bounded)
    .filter((name) => OWN_HEADER_NAMES[name] !== true)
    .map((name) => ({ name, size: Buffer.byteLength(name) + 1 + encodedSize(bounded[name]) }))
    .sort((a, b) => b.size - a.size);
  for (const { name, size } of sizes) {
    if (total <= MAX_HEADER_TABLE) break;
    delete bounded[name];
    total -= size;
    dropped.push(name.slice(0, 64));
  }
  if (dropped.length > 0) bounded['x-dropped-headers'] = dropped.join(',').slice(0, MAX_HEADER_VALUE);
  return bounded;
}

/**
 * Thrown when a message could not be put back or moved: the caller nacks it instead, so the
 * broker dead-letters it (only a channel that died leaves it unacknowledged, for redelivery).
 */
export class RepublishFailed extends Error {
  override name = 'RepublishFailed';
}

async function republish(channel: ConfirmChannel, message: ConsumeMessage, target: FailureTarget, queue: string, headers: Record<string, unknown>) {
  const { properties } = message;
  const options = {
    persistent: true,
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    messageId: properties.messageId,
    type: properties.type,
    correlationId: properties.correlationId,
    appId: properties.appId,
    userId: target.user,
    timestamp: properties.timestamp,
    headers: boundHeaders(headers),
  };
  try {
    await publishConfirmed(channel, { exchange: target.exchange, routingKey: queue }, message.content, options, CONFIRM_TIMEOUT_MS);
  } catch (error) {
    // Not encodable (nothing was sent), nacked (a full queue refuses it), not confirmed in time, or
    // the channel closed: the caller rejects the original instead, or leaves it to the broker.
    throw new RepublishFailed(`could not republish to ${queue}: ${(error as Error).message}`, { cause: error });
  }
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
  const headers = failureHeaders(message, target);
  headers[RETRY_HEADER.attempt] = previousDeliveries(message, target.user) + 1;
  headers[RETRY_HEADER.lastError] = error.message.slice(0, MAX_TEXT);
  await republish(channel, message, target, retryQueue, headers);
}

/**
 * Puts a message back at the tail of its work queue without counting a delivery (a
 * failure while the breaker is open or half-open may be the outage's fault, not the
 * message's) but counting a rotation, which is bounded separately. Unlike a requeue, it
 * does not return to the head, so it cannot hold a half-open breaker open forever.
 */
export async function sendToBackOfQueue(channel: ConfirmChannel, message: ConsumeMessage, target: FailureTarget): Promise<void> {
  const headers = keptHeaders(message, target);
  headers[RETRY_HEADER.rotations] = previousRotations(message, target.user) + 1;
  await republish(channel, message, target, target.queue, headers);
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
  const headers = failureHeaders(message, target);
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
  await republish(channel, message, target, errorQueue, headers);
}
