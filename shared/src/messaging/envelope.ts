import type { Options } from 'amqplib';

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
  /** The service that sent it. */
  source: string;
}

export const HEADER = {
  causationId: 'x-causation-id',
  conversationId: 'x-conversation-id',
  sentAt: 'x-sent-at',
} as const;

export function toPublishOptions(envelope: Envelope): Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    messageId: envelope.messageId,
    type: envelope.messageType,
    correlationId: envelope.correlationId,
    appId: envelope.source,
    timestamp: Math.floor(Date.parse(envelope.sentAt) / 1000),
    headers: {
      [HEADER.causationId]: envelope.causationId ?? undefined,
      [HEADER.conversationId]: envelope.conversationId,
      [HEADER.sentAt]: envelope.sentAt,
    },
  };
}

interface IncomingProperties {
  messageId?: unknown;
  type?: unknown;
  correlationId?: unknown;
  appId?: unknown;
  headers?: Record<string, unknown>;
}

/** Reads the envelope back from AMQP properties; returns the reason when a required part is missing. */
export function fromProperties(properties: IncomingProperties): Envelope | { invalid: string } {
  const headers = properties.headers ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  const messageId = text(properties.messageId);
  const messageType = text(properties.type);
  const correlationId = text(properties.correlationId);
  if (!messageId) return { invalid: 'missing message-id property' };
  if (!messageType) return { invalid: 'missing type property' };
  if (!correlationId) return { invalid: 'missing correlation-id property' };
  return {
    messageId,
    messageType,
    correlationId,
    causationId: text(headers[HEADER.causationId]) ?? null,
    conversationId: text(headers[HEADER.conversationId]) ?? correlationId,
    sentAt: text(headers[HEADER.sentAt]) ?? new Date(0).toISOString(),
    source: text(properties.appId) ?? 'unknown',
  };
}
