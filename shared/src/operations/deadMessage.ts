import type { GetMessage } from 'amqplib';
import { HEADER, senderOf } from '../messaging/envelope';
import { BROKER_DEATH_HEADERS, ERROR_HEADER, NO_SENDER, RETRY_HEADER } from '../messaging/errorQueue';
import { directExchangeOf } from '../messaging/topology';
import type { DeadMessage } from './deadMessageShape';

export type { DeadMessage };

/** The work queue an error queue belongs to: `saga.billing.error` -> `saga.billing`. */
export const workQueueOf = (errorQueue: string) => errorQueue.replace(/\.error$/, '');

const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : String(value));

/**
 * What an operator needs to know about a message in `errorQueue`, whose service's broker
 * user is `owner`. Its sender is found as the service's consumer finds it (`senderOf`): the
 * x-original-user-id header on a copy only the service can have written (user-id `owner`,
 * whether the service moved it there or the broker dead-lettered the service's own
 * retry), else its user-id.
 */
export function describe(message: GetMessage, errorQueue: string, owner: string): DeadMessage {
  const headers = message.properties.headers ?? {};
  const workQueue = workQueueOf(errorQueue);
  return {
    messageId: text(message.properties.messageId),
    type: text(message.properties.type),
    correlationId: text(message.properties.correlationId),
    reason: text(headers[ERROR_HEADER.reason]) || 'unknown',
    detail: text(headers[ERROR_HEADER.message]),
    attempts: Number(headers[ERROR_HEADER.attempts] ?? 0),
    failedAt: headers[ERROR_HEADER.failedAt] === undefined ? undefined : text(headers[ERROR_HEADER.failedAt]),
    failedBy: headers[ERROR_HEADER.failedBy] === undefined ? undefined : text(headers[ERROR_HEADER.failedBy]),
    target: { exchange: directExchangeOf(workQueue), routingKey: workQueue },
    sender: senderOf(message.properties, owner) ?? NO_SENDER,
  };
}

const FAILURE_HEADERS = [...Object.values(ERROR_HEADER), ...Object.values(RETRY_HEADER), ...BROKER_DEATH_HEADERS];

/** The message's own headers without any failure or retry bookkeeping: a replay starts afresh. */
export function freshHeaders(message: GetMessage, replayedAt: Date, from: string, sender: string): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...(message.properties.headers ?? {}) };
  for (const name of FAILURE_HEADERS) delete headers[name];
  headers[HEADER.originalUserId] = sender;
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
