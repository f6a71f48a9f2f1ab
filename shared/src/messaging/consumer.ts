import { EventEmitter } from 'node:events';
import { context } from '@opentelemetry/api';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Pool } from 'pg';
import { z } from 'zod';
import { backoffMs } from '../backoff';
import { lockKey } from '../db/locks';
import type { Statement } from '../db/statement';
import { transaction } from '../db/transaction';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';
import type { Runtime } from '../runtime';
import { DeliveryTrace } from '../tracing/deliveryTrace';
import { ServiceTracer } from '../tracing/serviceTracer';
import type { TraceHeaders } from '../tracing/traceHeaders';
import type { AmqpClient } from './amqp';
import { Breaker, DEFAULT_BREAKER, type BreakerSettings, type BreakerState } from './breaker';
import { decodeBody, fromProperties, HEADER, senderOf, type Envelope } from './envelope';
import {
  ERROR_HEADER,
  previousDeliveries,
  previousRotations,
  RepublishFailed,
  sendToBackOfQueue,
  sendToErrorQueue,
  sendToRetryQueue,
  type FailureTarget,
  type Rejection,
  type RejectionReason,
} from './errorQueue';
import { describeError, isTransient, MessageRefused } from './failures';
import type { HandlerContext, Loads, MessageHandler } from './handler';
import { claimInbox, storableInstant } from './inbox';
import { outboxRows, outboxStatements } from './outbox';
import {
  DEFAULT_RETRY_POLICY,
  immediateBackoffMs,
  maxDeliveries,
  retryDelay,
  retryQueueDelays,
  type RetryPolicy,
} from './retryPolicy';
import { declareEndpoint, type QueueType, type Topology } from './topology';

export interface ConsumerOptions {
  /** The logical receiver, e.g. "inventory": names its queues and its inbox rows. */
  endpoint: string;
  service: string;
  handlers: readonly MessageHandler[];
  pool: Pool;
  amqp: AmqpClient;
  topology: Topology;
  logger: Logger;
  runtime: Runtime;
  prefetch?: number;
  retry?: RetryPolicy;
  breaker?: BreakerSettings;
  queueType?: QueueType;
  /** Source of randomness for jitter (tests may fix it). */
  random?: () => number;
  /**
   * Failures while the breaker is open or half-open a message may have (each puts it at
   * the back of the queue, uncounted as a delivery) before it goes to the error queue.
   */
  maxRotations?: number;
  metrics?: Metrics;
  /** Records each delivery's time in the broker and its handling as spans (docs/tracing.md). */
  tracer?: ServiceTracer;
  /**
   * A cheap call that fails when the handlers' database is down (ADR 20); by default
   * `select 1` on `pool`. A service gives it a connection of its own, so a pool exhausted
   * by busy handlers is not taken for an outage.
   */
  probe?: () => Promise<unknown>;
}

type Outcome =
  | { kind: 'ack'; result: 'handled' | 'duplicate' }
  | { kind: 'retry'; deliveries: number; error: Error }
  | { kind: 'requeue'; error: Error }
  | { kind: 'rotate'; error: Error }
  | { kind: 'reject'; rejection: Rejection };

/** What became of one delivery, emitted as 'settled' once the broker has been told. */
export interface Settlement {
  messageId: unknown;
  messageType: unknown;
  /**
   * `nacked`: it could not be moved where it was going (a republish failed), so it was
   * rejected without requeue and the broker dead-lettered it to the error queue.
   */
  result: 'handled' | 'duplicate' | 'retried' | 'requeued' | 'rotated' | 'rejected' | 'nacked' | 'unacknowledged';
  /** The error-queue reason, for `rejected`. */
  reason?: RejectionReason;
}

export const DEFAULT_MAX_ROTATIONS = 20;

// An error from another realm (a vm context, jest's) is no `instanceof Error`, yet keeps its code and causes.
const toError = (error: unknown): Error =>
  error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error) ? (error as Error) : new Error(String(error));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Consumes an endpoint's queue. Each message is decoded, checked against its contract,
 * and handled in one transaction with its inbox row and its replies; the ack follows
 * the commit.
 *
 * Failures: a bad message (envelope, type, contract) or a permanent handler error goes
 * to the error queue at once. A transient one is retried a few times in process, then
 * parked in a retry queue for a later redelivery, and goes to the error queue after the
 * last one. A breaker counts transient failures; when it opens, the consumer stops
 * consuming and messages wait in the work queue, so an outage fills no error queue.
 * Before a transient failure costs a message a delivery, the database is probed (see
 * `probe`): if it does not answer, that is an outage, whatever the traffic, and the
 * breaker opens at once. While it is half-open, the probe, not a message, decides
 * whether it closes. A message that failed as the breaker opened goes to the back of the
 * queue uncounted as a delivery, so no single message can keep the breaker open, but
 * counted as a rotation: after `maxRotations` it goes to the error queue, so no message
 * can cycle forever (a message that fails while its database answers is its own fault).
 *
 * Trust: the envelope must be within its bounds, and the broker-validated sender
 * (user-id) must be the producer the message's contract names, and a body's orderId must
 * be its correlation id; otherwise the message goes to the error queue at once.
 */
export class Consumer extends EventEmitter<{ settled: [Settlement] }> {
  private readonly handlers: Map<string, MessageHandler>;
  private readonly retry: RetryPolicy;
  private readonly breaker: Breaker;
  private readonly random: () => number;
  private readonly tracer: ServiceTracer;
  private channel: ConfirmChannel | undefined;
  private consumerTag: string | undefined;
  private control: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  /** Channels the broker closed since the consumer last consumed, and the pending re-subscription. */
  private closedInARow = 0;
  private resubscribeTimer: NodeJS.Timeout | undefined;
  /** Why the last consume failed, until one succeeds. */
  private refusal: unknown;

  constructor(private readonly options: ConsumerOptions) {
    super();
    this.handlers = new Map(options.handlers.map((h) => [h.contract.messageType, h]));
    if (this.handlers.size !== options.handlers.length) {
      throw new Error(`endpoint ${options.endpoint} has two handlers for one message type`);
    }
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.random = options.random ?? Math.random;
    this.tracer = options.tracer ?? new ServiceTracer(options.service, 'unknown');
    this.breaker = new Breaker(
      `${options.endpoint}-consumer`,
      options.logger,
      options.breaker ?? DEFAULT_BREAKER,
      isTransient,
      options.metrics,
      options.probe ?? (() => options.pool.query('select 1')),
    );
    this.breaker.on('state', () => this.steer(() => this.follow()));
  }

  /** The message types this endpoint's queue is bound to: exactly those it has handlers for. */
  get messageTypes(): string[] {
    return [...this.handlers.keys()];
  }

  get queue(): string {
    return this.options.topology.queue(this.options.endpoint);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  async start(): Promise<void> {
    await this.options.amqp.onConnected((connection) => this.subscribe(connection));
    // A first consume the broker refused (its queue held exclusively, no read permission)
    // fails the start, instead of leaving a service up whose consumer does not consume.
    // Not a connection lost meanwhile: the AmqpClient reconnects and subscribes again.
    await this.control;
    if (this.refusal !== undefined && !this.consuming) {
      this.stopped = true;
      clearTimeout(this.resubscribeTimer);
      throw this.refusal;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.resubscribeTimer);
    await this.control;
    await this.pause().catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await this.channel?.close().catch(() => undefined);
    this.channel = undefined;
    this.breaker.shutdown();
  }

  private async subscribe(connection: ChannelModel): Promise<void> {
    if (this.stopped) return;
    const { topology, endpoint, queueType, logger } = this.options;
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'consumer channel error'));
    // The broker can close a channel alone (a delivery left unacknowledged past its consumer
    // timeout, say): consume again on a new one. A lost connection is the AmqpClient's to heal.
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.consumerTag = undefined;
      if (!this.stopped) this.resubscribeLater();
    });
    await declareEndpoint(channel, topology, endpoint, this.messageTypes, {
      queueType,
      retryDelaysMs: retryQueueDelays(this.retry),
    });
    this.channel = channel;
    this.consumerTag = undefined;
    // In turn with the breaker's own changes, so a breaker that opens meanwhile is obeyed.
    // Not awaited: this may run inside a change of its own (a re-subscription), which the
    // turn would then wait on forever. start() waits for the turn and reads what it did.
    this.steer(() =>
      this.follow().catch((error: unknown) => {
        if (refusedByBroker(error)) this.refusal = error;
        throw error;
      }),
    );
  }

  /**
   * Consumes again on a new channel after the broker closed ours, after a pause that grows
   * while it keeps doing so (a consume it refuses each time, say). A lost connection is the
   * AmqpClient's to heal: it subscribes again itself.
   */
  private resubscribeLater(): void {
    this.closedInARow += 1;
    clearTimeout(this.resubscribeTimer);
    this.resubscribeTimer = setTimeout(
      () =>
        this.steer(async () => {
          if (this.stopped || this.channel || !this.options.amqp.isConnected) return;
          await this.subscribe(this.options.amqp.current()).catch((error: unknown) => {
            this.resubscribeLater();
            throw error;
          });
        }),
      backoffMs(this.closedInARow),
    );
  }

  /** Whether it takes deliveries now: false while the breaker keeps it paused, or while its channel is being replaced. */
  get consuming(): boolean {
    return this.consumerTag !== undefined;
  }

  /** Runs channel changes one at a time, in the order the breaker asked for them. */
  private steer(change: () => Promise<void>): void {
    this.control = this.control.then(change).catch((error) => this.options.logger.warn({ err: error }, 'consumer control failed'));
  }

  /** Consumes fully when the breaker is closed, not at all otherwise (half-open, its probe decides). */
  private async follow(): Promise<void> {
    await this.pause();
    if (this.breaker.state !== 'closed' || this.stopped) return;
    const channel = this.channel;
    if (!channel) return;
    await channel.prefetch(this.options.prefetch ?? 32);
    const { consumerTag } = await channel.consume(this.queue, (message) => {
      if (!message) return;
      const work = this.onMessage(channel, message).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
    this.consumerTag = consumerTag;
    this.closedInARow = 0;
    this.refusal = undefined;
  }

  private async pause(): Promise<void> {
    const { channel, consumerTag } = this;
    this.consumerTag = undefined;
    if (channel && consumerTag) await channel.cancel(consumerTag);
  }

  private async onMessage(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    const logger = this.options.logger.child({
      messageId: message.properties.messageId,
      correlationId: message.properties.correlationId,
      messageType: message.properties.type,
    });
    const started = performance.now();
    const delivery = this.traceOf(message);
    const settle = (result: Settlement['result'], reason?: RejectionReason, detail?: string): void => {
      delivery.settled(result, detail ?? reason);
      this.measure(message, result, (performance.now() - started) / 1000);
      this.emit('settled', { messageId: message.properties.messageId, messageType: message.properties.type, result, ...(reason ? { reason } : {}) });
    };
    const target: FailureTarget = {
      queue: this.queue,
      exchange: this.options.topology.directExchange(this.options.endpoint),
      service: this.options.service,
      user: this.options.amqp.user,
      sender: senderOf(message.properties, this.options.amqp.user),
      now: this.options.runtime.now(),
    };
    try {
      const outcome = await context.with(delivery.context, () => this.process(message, target, logger, delivery));
      switch (outcome.kind) {
        case 'ack':
          if (outcome.result === 'duplicate') logger.info('duplicate delivery acknowledged without effect');
          channel.ack(message);
          return settle(outcome.result);
        case 'requeue':
          logger.debug('circuit open: message returned to the work queue untried');
          channel.nack(message, false, true);
          return settle('requeued');
        case 'rotate':
          logger.warn({ err: outcome.error }, 'failed while the circuit opened: message moved to the back of the work queue');
          await sendToBackOfQueue(channel, message, target);
          channel.ack(message);
          return settle('rotated');
        case 'retry': {
          const delay = retryDelay(this.retry, outcome.deliveries, this.random);
          const retryQueue = this.options.topology.retryQueue(this.options.endpoint, delay);
          logger.warn({ err: outcome.error, deliveries: outcome.deliveries, delayMs: delay }, 'transient failure: redelivery scheduled');
          await sendToRetryQueue(channel, message, retryQueue, target, outcome.error);
          channel.ack(message);
          return settle('retried');
        }
        case 'reject':
          logger.error({ reason: outcome.rejection.reason, detail: outcome.rejection.detail }, 'message moved to the error queue');
          await sendToErrorQueue(channel, message, this.options.topology.errorQueue(this.options.endpoint), target, outcome.rejection);
          channel.ack(message);
          this.options.metrics?.deadLettered.inc({ queue: this.queue, reason: outcome.rejection.reason });
          return settle('rejected', outcome.rejection.reason, `${outcome.rejection.reason}: ${outcome.rejection.detail}`);
      }
    } catch (error) {
      if (error instanceof RepublishFailed && this.nack(channel, message)) {
        // It could not be encoded or was not confirmed: the broker dead-letters it to the error queue instead.
        logger.error({ err: error }, 'message could not be moved; rejected, so the broker dead-letters it to the error queue');
        this.options.metrics?.deadLettered.inc({ queue: this.queue, reason: 'republish-failed' });
        delivery.failed(error);
        return settle('nacked');
      }
      // The channel died: the message was not acked, so the broker redelivers it.
      logger.warn({ err: error }, 'message left unacknowledged for redelivery');
      delivery.failed(toError(error));
      settle('unacknowledged');
    }
  }

  /** The delivery's spans, children of the trace context the message carries. */
  private traceOf(message: ConsumeMessage): DeliveryTrace {
    const { type, userId, headers = {} } = message.properties;
    // Put back by this service itself (a retry, a replay): in the queue since then, not since its first publish.
    const requeuedAt = userId === this.options.amqp.user ? (headers['x-replayed-at'] ?? headers[ERROR_HEADER.lastFailureAt]) : undefined;
    return new DeliveryTrace(this.tracer, {
      properties: message.properties,
      type: typeof type === 'string' && this.handlers.has(type) ? type : 'unknown',
      queue: this.queue,
      deliveryCount: previousDeliveries(message, this.options.amqp.user) + 1,
      enqueuedAt: requeuedAt ?? headers[HEADER.publishedAt],
    });
  }

  /** Rejects without requeue (dead-lettered to the error queue); false if the channel is gone (the broker then redelivers). */
  private nack(channel: ConfirmChannel, message: ConsumeMessage): boolean {
    try {
      channel.nack(message, false, false);
      return true;
    } catch {
      return false;
    }
  }

  private measure(message: ConsumeMessage, result: Settlement['result'], seconds: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    const queue = this.queue;
    const type = typeof message.properties.type === 'string' && this.handlers.has(message.properties.type) ? message.properties.type : 'unknown';
    const label = {
      handled: 'ack',
      duplicate: 'duplicate',
      retried: 'retry',
      rejected: 'dead_letter',
      nacked: 'dead_letter',
      requeued: 'requeue',
      rotated: 'requeue',
      unacknowledged: 'unacknowledged',
    }[result];
    metrics.messagesConsumed.inc({ queue, message_type: type, result: label });
    if (result === 'handled') {
      metrics.handlerDuration.observe({ queue, message_type: type }, seconds);
      const sentAt = Date.parse(String(message.properties.headers?.['x-sent-at'] ?? ''));
      if (Number.isFinite(sentAt)) metrics.deliveryLag.observe({ queue }, Math.max(0, (this.options.runtime.now().getTime() - sentAt) / 1000));
    }
    if (result === 'duplicate') metrics.inboxDuplicates.inc({ consumer: this.options.endpoint });
    if (result === 'retried') metrics.retries.inc({ queue });
  }

  private async process(message: ConsumeMessage, target: FailureTarget, logger: Logger, delivery: DeliveryTrace): Promise<Outcome> {
    const deliveries = previousDeliveries(message, target.user) + 1;
    const reject = (reason: RejectionReason, detail: string, error?: Error): Outcome => ({
      kind: 'reject',
      rejection: { reason, detail, error, attempts: deliveries },
    });
    const envelope = fromProperties(message.properties);
    if ('invalid' in envelope) return reject('invalid-envelope', envelope.invalid);
    const handler = this.handlers.get(envelope.messageType);
    if (!handler) return reject('unknown-message-type', `no handler for ${envelope.messageType} on ${this.queue}`);
    const { producer } = handler.contract;
    if (target.sender !== producer) {
      const who = target.sender === undefined ? 'a publisher that set no user-id' : `user ${target.sender}`;
      return reject('unauthorized-sender', `${envelope.messageType} was sent by ${who}; only ${producer} may send it`);
    }
    const decoded = decodeBody(message.content);
    if ('invalid' in decoded) return reject(decoded.reason, decoded.invalid);
    const parsed = handler.contract.schema.safeParse(decoded.json);
    if (!parsed.success) return reject('contract-violation', `${envelope.messageType}: ${z.prettifyError(parsed.error)}`);
    const orderId = (parsed.data as { orderId?: unknown }).orderId;
    if (typeof orderId === 'string' && orderId !== envelope.correlationId) {
      return reject('correlation-mismatch', `body names order ${orderId} but the correlation id is ${envelope.correlationId}`);
    }

    let lastError = new Error('not attempted');
    for (let run = 0; run <= this.retry.immediateRetries; run += 1) {
      if (run > 0) await sleep(immediateBackoffMs(run, this.random));
      try {
        return { kind: 'ack', result: await this.breaker.run(() => this.handleOnce(handler, parsed.data, envelope, logger, delivery.outgoing)) };
      } catch (error) {
        lastError = toError(error);
        delivery.failed(lastError);
        if ((lastError as { code?: string }).code === 'EOPENBREAKER') return { kind: 'requeue', error: lastError };
        if (lastError instanceof MessageRefused) return reject(lastError.reason, lastError.message, lastError);
        if (!isTransient(lastError)) return reject('permanent-failure', describeError(lastError), lastError);
        if (this.breaker.state !== 'closed') return this.rotate(message, target, lastError, reject);
        logger.warn({ err: lastError, deliveries, run }, 'transient handler failure');
      }
    }
    // Before it spends a delivery: an outage (the database does not answer) is not the
    // message's fault, however long it lasts and however little traffic there is.
    if (await this.breaker.confirmOutage()) return this.rotate(message, target, lastError, reject);
    if (deliveries < maxDeliveries(this.retry)) return { kind: 'retry', deliveries, error: lastError };
    return reject('retries-exhausted', describeError(lastError), lastError);
  }

  /** To the back of the work queue, counted as a rotation; to the error queue after `maxRotations` of them. */
  private rotate(message: ConsumeMessage, target: FailureTarget, error: Error, reject: (reason: RejectionReason, detail: string, error?: Error) => Outcome): Outcome {
    const rotations = previousRotations(message, target.user) + 1;
    if (rotations < (this.options.maxRotations ?? DEFAULT_MAX_ROTATIONS)) return { kind: 'rotate', error };
    return reject('retries-exhausted', `failed ${rotations} times while the circuit breaker was open or half-open: ${describeError(error)}`, error);
  }

  /**
   * One transaction in two round trips: the inbox claim, the handler's key lock and its
   * loads go with BEGIN; its writes and its replies with COMMIT.
   */
  private async handleOnce(handler: MessageHandler, body: unknown, envelope: Envelope, logger: Logger, trace: TraceHeaders | undefined): Promise<'handled' | 'duplicate'> {
    const { pool, runtime, endpoint, service } = this.options;
    const committed: Array<() => void> = [];
    const loads = (handler.load as ((body: unknown, envelope: Envelope) => Loads) | undefined)?.(body, envelope) ?? {};
    const opening = {
      claim: claimInbox({
        consumer: endpoint,
        messageId: envelope.messageId,
        messageType: envelope.messageType,
        handledAt: runtime.now(),
        correlationId: envelope.correlationId,
        causationId: envelope.causationId,
        sender: envelope.source,
        sentAt: storableInstant(envelope.sentAt),
        publishedAt: storableInstant(envelope.publishedAt),
      }),
      ...(handler.serializeBy ? { lock: lockKey({ key: (handler.serializeBy as (body: unknown) => string)(body) }) } : {}),
      ...prefixed(loads),
    };
    const result = await transaction(pool, opening, async (opened) => {
      if (opened.claim.length === 0) return { value: 'duplicate' as const };
      const sendContext = {
        source: service,
        correlationId: envelope.correlationId,
        causationId: envelope.messageId,
        conversationId: envelope.conversationId,
        runtime,
        trace,
      };
      const writes: Statement[] = [];
      const replies: ReturnType<typeof outboxRows> = [];
      const loaded = Object.fromEntries(Object.keys(loads).map((key) => [key, (opened as Record<string, unknown>)[`${LOADED}${key}`]]));
      await (handler.handle as (context: HandlerContext<unknown, unknown>) => void | Promise<void>)({
        body,
        envelope,
        runtime,
        logger,
        loaded,
        afterCommit: (effect) => committed.push(effect),
        write: (...statements) => writes.push(...statements),
        send: (...messages) => replies.push(...outboxRows(sendContext, messages)),
      });
      return { value: 'handled' as const, closing: [...writes, ...outboxStatements(replies)] };
    });
    for (const effect of committed) effect();
    return result;
  }
}

/**
 * The broker refused the consume itself, on a live connection (403 access refused, 404 no
 * such queue, 405 the queue held exclusively): a configuration to fix, not an outage. A
 * connection lost meanwhile is not one: the AmqpClient reconnects and subscribes again.
 */
const refusedByBroker = (error: unknown) => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && code >= 403 && code <= 406;
};

/** The handler's loads, renamed so none can shadow the claim or the lock. */
const LOADED = 'loaded.';
const prefixed = (loads: Loads): Loads => Object.fromEntries(Object.entries(loads).map(([key, statement]) => [`${LOADED}${key}`, statement]));
