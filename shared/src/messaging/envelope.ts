import { isUtf8 } from 'node:buffer';
import type { MessageProperties, Options } from 'amqplib';
import { traceHeadersFrom } from '../tracing/traceHeaders';

/** What travels with every message besides its body: who it is, what caused it, which order it concerns. */
export interface Envelope {
  messageId: string;
  messageType: string;
  /** The order id: every message about one order shares it. */
  correlationId: string;
  /** The message whose handling produced this one; null for a message started by an API call. */
  causationId: string | null;
  conversationId: string;
  sentAt: string;
  /** The service that sent it (AMQP app-id: what the sender says, not what the broker checked). */
  source: string;
  /** When its relay published it (set on the way out, so never in an outbox row). */
  publishedAt?: string;
  /**
   * The W3C trace context it continues (docs/tracing.md): in an outbox row, the context it
   * was written in; on the wire, its relay's span. Absent when there is none, or when what
   * came was not well formed (a fresh trace starts: it is never a reason to refuse a message).
   */
  traceparent?: string;
  tracestate?: string;
}

export const HEADER = {
  causationId: 'x-causation-id',
  conversationId: 'x-conversation-id',
  sentAt: 'x-sent-at',
  /** When the sender's relay published it: with x-sent-at, how long it waited in the outbox. */
  publishedAt: 'x-published-at',
  /**
   * The broker-validated sender of a message that a service put back into its own queues
   * (retry, back of the queue, error queue, replay): the republish carries the service's
   * own user-id, so the original one travels here. Trusted only on a message whose
   * user-id is the receiving service's own (nobody else can publish with that user-id).
   */
  originalUserId: 'x-original-user-id',
  /** W3C Trace Context, under the names the OpenTelemetry messaging conventions use for AMQP headers. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/**
 * Bounds of everything a message carries besides its body's contract. A message outside
 * them is refused after one delivery (invalid-envelope), and only values that passed are
 * ever copied into a reply, so no message can make its replies unpublishable.
 */
export const ENVELOPE_LIMITS = {
  /** message-id, correlation-id, causation and conversation ids, type, app-id, user-id. */
  idBytes: 255,
  /** The whole header table as received, far below amqplib's 64 KiB field-table buffer. */
  headerBytes: 16 * 1024,
  bodyBytes: 1024 * 1024,
} as const;

/** Printable ASCII without spaces: no control characters (NUL included), no byte PostgreSQL or a header table cannot hold. */
const ID = /^[\x21-\x7e]+$/;
const MESSAGE_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

export function toPublishOptions(envelope: Envelope, userId?: string, publishedAt?: Date): Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    messageId: envelope.messageId,
    type: envelope.messageType,
    correlationId: envelope.correlationId,
    appId: envelope.source,
    ...(userId ? { userId } : {}),
    ...(Number.isFinite(Date.parse(envelope.sentAt)) ? { timestamp: Math.floor(Date.parse(envelope.sentAt) / 1000) } : {}),
    headers: {
      [HEADER.causationId]: envelope.causationId ?? undefined,
      [HEADER.conversationId]: envelope.conversationId,
      [HEADER.sentAt]: envelope.sentAt,
      ...(publishedAt ? { [HEADER.publishedAt]: publishedAt.toISOString() } : {}),
      ...(envelope.traceparent ? { [HEADER.traceparent]: envelope.traceparent } : {}),
      ...(envelope.traceparent && envelope.tracestate ? { [HEADER.tracestate]: envelope.tracestate } : {}),
    },
  };
}

type IncomingProperties = Partial<Pick<MessageProperties, 'messageId' | 'type' | 'correlationId' | 'appId' | 'contentType' | 'contentEncoding' | 'userId'>> & {
  headers?: Record<string, unknown>;
};

/** A rough upper bound of a value's size in an AMQP field table (JSON is never smaller than its encoding). */
export function encodedSize(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value) + 5;
  if (Buffer.isBuffer(value)) return value.length + 5;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return 9;
  if (value instanceof Date) return 9;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + encodedSize(item), 5);
  if (typeof value === 'object') {
    return Object.entries(value).reduce<number>((sum, [key, item]) => sum + Buffer.byteLength(key) + 1 + encodedSize(item), 5);
  }
  return 9;
}

/** Why an id-like value is out of bounds, or undefined when it is fine. */
function idProblem(value: string): string | undefined {
  if (Buffer.byteLength(value) > ENVELOPE_LIMITS.idBytes) return `longer than ${ENVELOPE_LIMITS.idBytes} bytes`;
  if (!ID.test(value)) return 'not printable ASCII (control characters, spaces and other bytes are refused)';
  return undefined;
}

/**
 * Reads the envelope back from AMQP properties and checks its bounds; returns the reason
 * when a required part is missing or any part is out of bounds. Optional parts that are
 * absent get defaults; present ones must be valid.
 */
export function fromProperties(properties: IncomingProperties): Envelope | { invalid: string } {
  const headers = properties.headers ?? {};
  const headerBytes = encodedSize(headers);
  if (headerBytes > ENVELOPE_LIMITS.headerBytes) return { invalid: `headers take about ${headerBytes} bytes, over the ${ENVELOPE_LIMITS.headerBytes}-byte bound` };
  const fields: Array<[name: string, value: unknown, required: boolean]> = [
    ['message-id', properties.messageId, true],
    ['type', properties.type, true],
    ['correlation-id', properties.correlationId, true],
    ['app-id', properties.appId, false],
    ['user-id', properties.userId, false],
    [HEADER.causationId, headers[HEADER.causationId], false],
    [HEADER.conversationId, headers[HEADER.conversationId], false],
    [HEADER.originalUserId, headers[HEADER.originalUserId], false],
  ];
  for (const [name, value, required] of fields) {
    if (value === undefined || value === null) {
      if (required) return { invalid: `missing ${name}${name.startsWith('x-') ? ' header' : ' property'}` };
      continue;
    }
    if (typeof value !== 'string' || value.length === 0) return { invalid: `${name} is not a non-empty string` };
    const problem = idProblem(value);
    if (problem) return { invalid: `${name} is ${problem}` };
  }
  const messageType = properties.type as string;
  if (!MESSAGE_TYPE.test(messageType)) return { invalid: 'type is not a dotted message type such as domain.order.ReserveInventory' };
  const sentAt = headers[HEADER.sentAt];
  const publishedAt = headers[HEADER.publishedAt];
  for (const [name, value] of [[HEADER.sentAt, sentAt], [HEADER.publishedAt, publishedAt]] as const) {
    if (value !== undefined && (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value)))) {
      return { invalid: `${name} is not an ISO-8601 instant` };
    }
  }
  if (typeof properties.contentType !== 'string' || !JSON_CONTENT_TYPE.test(properties.contentType)) {
    return { invalid: `content-type ${describeValue(properties.contentType)} is not application/json` };
  }
  if (properties.contentEncoding !== undefined && properties.contentEncoding !== null && properties.contentEncoding !== 'identity') {
    return { invalid: `content-encoding ${describeValue(properties.contentEncoding)} is not supported (send the body as plain UTF-8 JSON)` };
  }
  const correlationId = properties.correlationId as string;
  const trace = traceHeadersFrom(headers[HEADER.traceparent], headers[HEADER.tracestate]);
  return {
    messageId: properties.messageId as string,
    messageType,
    correlationId,
    causationId: (headers[HEADER.causationId] as string | undefined) ?? null,
    conversationId: (headers[HEADER.conversationId] as string | undefined) ?? correlationId,
    sentAt: (sentAt as string | undefined) ?? new Date(0).toISOString(),
    source: properties.appId ?? 'unknown',
    ...(publishedAt === undefined ? {} : { publishedAt: publishedAt as string }),
    ...trace,
  };
}

/** A short, safe rendering of an untrusted value for an error message. */
function describeValue(value: unknown): string {
  if (value === undefined || value === null) return '(absent)';
  const text = JSON.stringify(String(value));
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

/** Why a body cannot be decoded (size, UTF-8, JSON), or its JSON value. */
export function decodeBody(content: Buffer): { json: unknown } | { invalid: string; reason: 'invalid-envelope' | 'contract-violation' } {
  if (content.length > ENVELOPE_LIMITS.bodyBytes) {
    return { reason: 'invalid-envelope', invalid: `body of ${content.length} bytes is over the ${ENVELOPE_LIMITS.bodyBytes}-byte bound` };
  }
  if (!isUtf8(content)) return { reason: 'invalid-envelope', invalid: 'body is not valid UTF-8' };
  try {
    return { json: JSON.parse(content.toString('utf8')) };
  } catch {
    return { reason: 'contract-violation', invalid: 'body is not valid JSON' };
  }
}

/**
 * The broker-validated sender of a message: its user-id, or, on a message the receiving
 * service republished into its own queues, the user-id it carried before.
 */
export function senderOf(properties: IncomingProperties, self: string): string | undefined {
  const userId = typeof properties.userId === 'string' ? properties.userId : undefined;
  const original = properties.headers?.[HEADER.originalUserId];
  if (userId === self && original !== undefined) return typeof original === 'string' && !idProblem(original) ? original : undefined;
  return userId;
}
