import type { ConfirmChannel, ConsumeMessage } from 'amqplib';

export type RejectionReason = 'invalid-envelope' | 'unknown-message-type' | 'contract-violation' | 'handler-failed';

export const ERROR_HEADER = {
  reason: 'x-error-reason',
  message: 'x-exception-message',
  stack: 'x-exception-stack',
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
  originalQueue: 'x-original-queue',
  attempts: 'x-attempts',
  failedAt: 'x-failed-at',
  failedBy: 'x-failed-by',
} as const;

const MAX_TEXT = 4000;

export interface Rejection {
  reason: RejectionReason;
  detail: string;
  error?: Error;
  attempts: number;
}

/**
 * Moves a message to an error queue with the reason in its headers, keeping its
 * body and properties so it can be replayed. Waits for the broker's confirm: the
 * caller acknowledges the original only after this resolves.
 */
export async function sendToErrorQueue(
  channel: ConfirmChannel,
  message: ConsumeMessage,
  target: { errorQueue: string; queue: string; service: string; failedAt: Date },
  rejection: Rejection,
): Promise<void> {
  const { properties, fields } = message;
  const headers = {
    ...(properties.headers ?? {}),
    [ERROR_HEADER.reason]: rejection.reason,
    [ERROR_HEADER.message]: rejection.detail.slice(0, MAX_TEXT),
    [ERROR_HEADER.stack]: rejection.error?.stack?.slice(0, MAX_TEXT),
    [ERROR_HEADER.originalExchange]: fields.exchange,
    [ERROR_HEADER.originalRoutingKey]: fields.routingKey,
    [ERROR_HEADER.originalQueue]: target.queue,
    [ERROR_HEADER.attempts]: rejection.attempts,
    [ERROR_HEADER.failedAt]: target.failedAt.toISOString(),
    [ERROR_HEADER.failedBy]: target.service,
  };
  channel.publish('', target.errorQueue, message.content, {
    persistent: true,
    contentType: properties.contentType,
    messageId: properties.messageId,
    type: properties.type,
    correlationId: properties.correlationId,
    appId: properties.appId,
    timestamp: properties.timestamp,
    headers,
  });
  await channel.waitForConfirms();
}
