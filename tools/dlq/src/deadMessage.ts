import type { GetMessage } from 'amqplib';
import { BROKER_DEATH_HEADERS, ERROR_HEADER, RETRY_HEADER } from '@saga/shared';

/** What an operator needs to know about a message in an error queue. */
export interface DeadMessage {
  messageId: string;
  type: string;
  correlationId: string;
  reason: string;
  detail: string;
  attempts: number;
  failedAt: string | undefined;
  failedBy: string | undefined;
  /** Where a replay sends it: the exchange and routing key it first came through. */
  target: { exchange: string; routingKey: string };
}

const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : String(value));

export function describe(message: GetMessage): DeadMessage {
  const headers = message.properties.headers ?? {};
  const exchange = text(headers[ERROR_HEADER.originalExchange]);
  const routingKey = text(headers[ERROR_HEADER.originalRoutingKey]);
  return {
    messageId: text(message.properties.messageId),
    type: text(message.properties.type),
    correlationId: text(message.properties.correlationId),
    reason: text(headers[ERROR_HEADER.reason]) || 'unknown',
    detail: text(headers[ERROR_HEADER.message]),
    attempts: Number(headers[ERROR_HEADER.attempts] ?? 0),
    failedAt: headers[ERROR_HEADER.failedAt] === undefined ? undefined : text(headers[ERROR_HEADER.failedAt]),
    failedBy: headers[ERROR_HEADER.failedBy] === undefined ? undefined : text(headers[ERROR_HEADER.failedBy]),
    // Published straight to a queue (no exchange): replay to that queue through the default exchange.
    target: exchange ? { exchange, routingKey } : { exchange: '', routingKey: text(headers[ERROR_HEADER.originalQueue]) || routingKey },
  };
}

const FAILURE_HEADERS = [...Object.values(ERROR_HEADER), ...Object.values(RETRY_HEADER), ...BROKER_DEATH_HEADERS];

/** The message's own headers without any failure or retry bookkeeping: a replay starts afresh. */
export function freshHeaders(message: GetMessage, replayedAt: Date, from: string): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...(message.properties.headers ?? {}) };
  for (const name of FAILURE_HEADERS) delete headers[name];
  headers['x-replayed-at'] = replayedAt.toISOString();
  headers['x-replayed-from'] = from;
  return headers;
}

export function age(failedAt: string | undefined, now: Date): string {
  if (!failedAt) return '?';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(failedAt)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}
