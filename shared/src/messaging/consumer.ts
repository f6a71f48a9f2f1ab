import { EventEmitter } from 'node:events';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { z } from 'zod';
import type { Database } from '../db/database';
import type { Logger } from '../logging';
import type { Runtime } from '../runtime';
import type { AmqpClient } from './amqp';
import { fromProperties, type Envelope } from './envelope';
import { sendToErrorQueue, type Rejection } from './errorQueue';
import type { MessageHandler } from './handler';
import { claimInbox } from './inbox';
import { enqueue } from './outbox';
import { declareEndpoint, type QueueType, type Topology } from './topology';

export interface ConsumerOptions {
  /** The logical receiver, e.g. "inventory": names its queues and its inbox rows. */
  endpoint: string;
  service: string;
  handlers: readonly MessageHandler[];
  db: Database;
  amqp: AmqpClient;
  topology: Topology;
  logger: Logger;
  runtime: Runtime;
  prefetch?: number;
  /** Attempts in process before a failing message goes to the error queue. */
  maxAttempts?: number;
  queueType?: QueueType;
}

type Outcome = { ack: 'handled' | 'duplicate' } | Rejection;

/** What became of one delivery, emitted as 'settled' once it is acknowledged (or left for redelivery). */
export interface Settlement {
  messageId: unknown;
  messageType: unknown;
  result: 'handled' | 'duplicate' | 'rejected' | 'unacknowledged';
}

/**
 * Consumes an endpoint's queue. Each message is decoded, checked against its
 * contract, and handled in one transaction with its inbox row and its replies;
 * the ack follows the commit. Bad messages go to the error queue, never back to
 * the work queue, so nothing is retried forever and nothing crashes the consumer.
 */
export class Consumer extends EventEmitter<{ settled: [Settlement] }> {
  private readonly handlers: Map<string, MessageHandler>;
  private channel: ConfirmChannel | undefined;
  private consumerTag: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: ConsumerOptions) {
    super();
    this.handlers = new Map(options.handlers.map((h) => [h.contract.messageType, h]));
    if (this.handlers.size !== options.handlers.length) {
      throw new Error(`endpoint ${options.endpoint} has two handlers for one message type`);
    }
  }

  /** The message types this endpoint's queue is bound to: exactly those it has handlers for. */
  get messageTypes(): string[] {
    return [...this.handlers.keys()];
  }

  get queue(): string {
    return this.options.topology.queue(this.options.endpoint);
  }

  async start(): Promise<void> {
    await this.options.amqp.onConnected((connection) => this.subscribe(connection));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const channel = this.channel;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await channel?.close().catch(() => undefined);
    this.channel = undefined;
  }

  private async subscribe(connection: ChannelModel): Promise<void> {
    if (this.stopped) return;
    const { topology, endpoint, queueType, logger } = this.options;
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'consumer channel error'));
    await declareEndpoint(channel, topology, endpoint, this.messageTypes, queueType);
    await channel.prefetch(this.options.prefetch ?? 32);
    const { consumerTag } = await channel.consume(this.queue, (message) => {
      if (!message) return;
      const work = this.onMessage(channel, message).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
    this.channel = channel;
    this.consumerTag = consumerTag;
  }

  private async onMessage(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    const logger = this.options.logger.child({
      messageId: message.properties.messageId,
      correlationId: message.properties.correlationId,
      messageType: message.properties.type,
    });
    const settle = (result: Settlement['result']) =>
      this.emit('settled', { messageId: message.properties.messageId, messageType: message.properties.type, result });
    try {
      const outcome = await this.process(message, logger);
      if ('reason' in outcome) {
        logger.error({ reason: outcome.reason, detail: outcome.detail }, 'message rejected to the error queue');
        await sendToErrorQueue(
          channel,
          message,
          {
            errorQueue: this.options.topology.errorQueue(this.options.endpoint),
            queue: this.queue,
            service: this.options.service,
            failedAt: this.options.runtime.now(),
          },
          outcome,
        );
      } else if (outcome.ack === 'duplicate') {
        logger.info('duplicate delivery acknowledged without effect');
      }
      channel.ack(message);
      settle('reason' in outcome ? 'rejected' : outcome.ack);
    } catch (error) {
      // The channel died or the error queue publish failed: the message was not acked, so the broker redelivers it.
      logger.warn({ err: error }, 'message left unacknowledged for redelivery');
      settle('unacknowledged');
    }
  }

  private async process(message: ConsumeMessage, logger: Logger): Promise<Outcome> {
    const envelope = fromProperties(message.properties);
    if ('invalid' in envelope) return { reason: 'invalid-envelope', detail: envelope.invalid, attempts: 0 };
    const handler = this.handlers.get(envelope.messageType);
    if (!handler) {
      return {
        reason: 'unknown-message-type',
        detail: `no handler for ${envelope.messageType} on ${this.queue}`,
        attempts: 0,
      };
    }
    let json: unknown;
    try {
      json = JSON.parse(message.content.toString('utf8'));
    } catch {
      return { reason: 'contract-violation', detail: 'body is not valid JSON', attempts: 0 };
    }
    const parsed = handler.contract.schema.safeParse(json);
    if (!parsed.success) {
      return {
        reason: 'contract-violation',
        detail: `${envelope.messageType}: ${z.prettifyError(parsed.error)}`,
        attempts: 0,
      };
    }
    const maxAttempts = this.options.maxAttempts ?? 3;
    let lastError: Error = new Error('not attempted');
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      try {
        return { ack: await this.handleOnce(handler, parsed.data, envelope, logger) };
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
        logger.warn({ err: lastError, attempt }, 'handler failed');
      }
    }
    return { reason: 'handler-failed', detail: lastError.message, error: lastError, attempts: maxAttempts };
  }

  private async handleOnce(
    handler: MessageHandler,
    body: unknown,
    envelope: Envelope,
    logger: Logger,
  ): Promise<'handled' | 'duplicate'> {
    const { db, runtime, endpoint, service } = this.options;
    return db.transaction(async (tx) => {
      const first = await claimInbox(tx, {
        consumer: endpoint,
        messageId: envelope.messageId,
        messageType: envelope.messageType,
        handledAt: runtime.now(),
      });
      if (!first) return 'duplicate';
      const sendContext = {
        source: service,
        correlationId: envelope.correlationId,
        causationId: envelope.messageId,
        conversationId: envelope.conversationId,
        runtime,
      };
      await handler.handle({
        tx,
        body,
        envelope,
        runtime,
        logger,
        send: (...messages) => enqueue(tx, sendContext, messages),
      });
      return 'handled';
    });
  }
}
