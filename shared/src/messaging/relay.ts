import type { ConfirmChannel } from 'amqplib';
import type { Pool } from 'pg';
import { inArray, sql } from 'drizzle-orm';
import { insertRows, prepared, preparedSql, type Placeholders, type Statement } from '../db/statement';
import { transaction } from '../db/transaction';
import { NotificationListener } from '../db/notifications';
import { backoffMs } from '../backoff';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';
import { OutboxSpans } from '../tracing/outboxSpans';
import { ServiceTracer } from '../tracing/serviceTracer';
import type { AmqpClient } from './amqp';
import { Breaker, DEFAULT_BREAKER, type BreakerSettings, type BreakerState } from './breaker';
import { confirmed } from './confirm';
import { ENVELOPE_LIMITS, fromProperties, toPublishOptions, type Envelope } from './envelope';
import { outbox, outboxDeadLetters } from './outbox';
import type { Topology } from './topology';

export const OUTBOX_CHANNEL = 'outbox';

export interface RelayOptions {
  pool: Pool;
  /** The database to LISTEN on (the pool's), over a connection of its own. */
  databaseUrl: string;
  amqp: AmqpClient;
  topology: Topology;
  logger: Logger;
  batchSize?: number;
  /**
   * Loops draining the outbox side by side (each on its own confirm channel): while one
   * waits for the broker's confirms, another takes the rows committed meanwhile.
   */
  workers?: number;
  /** Fallback poll when no NOTIFY arrives (a missed notification, a relay started late). */
  pollIntervalMs?: number;
  /** An unconfirmed batch is treated as not published: its rows stay and go out again. */
  confirmTimeoutMs?: number;
  breaker?: BreakerSettings;
  metrics?: Metrics;
  /** Fault injection for tests: runs after the broker confirmed a batch, before its rows are deleted. */
  afterPublish?: (messageIds: string[]) => void | Promise<void>;
  /** Clock for the set-aside rows' failed_at (defaults to the system clock). */
  now?: () => Date;
  /**
   * The message types (routing keys) the broker lets this service publish (its topic
   * permission): a row of another type is set aside before it is published, so the
   * broker never closes the channel over it.
   */
  publishes?: RegExp;
  /** Records each row's time in the outbox as a span (docs/tracing.md). */
  tracer?: ServiceTracer;
}

type OutboxRow = typeof outbox.$inferSelect;

/** Why a row can never be published; `label` is bounded, for metrics. */
export interface SetAside {
  row: OutboxRow;
  label: 'invalid_envelope' | 'not_permitted' | 'too_large' | 'unencodable' | 'refused_by_broker';
  reason: string;
}

/**
 * Why a row can never be published, checked before it is: its envelope must pass the
 * same bounds every consumer applies, and its body must fit them.
 */
function unpublishable(row: OutboxRow, options: { contentType?: string; headers?: unknown }): SetAside | undefined {
  const checked = fromProperties(options as Parameters<typeof fromProperties>[0]);
  if ('invalid' in checked) return { row, label: 'invalid_envelope', reason: `invalid envelope: ${checked.invalid}` };
  if (checked.messageType !== row.type) return { row, label: 'invalid_envelope', reason: `invalid envelope: type ${row.type} but headers say ${checked.messageType}` };
  return undefined;
}

/** Keeps set-aside rows with their reason, for the transaction's COMMIT. */
const keepSetAside = insertRows('kernel_keep_set_aside', outboxDeadLetters, [
  'id', 'seq', 'aggregatetype', 'aggregateid', 'type', 'payload', 'headers', 'createdAt', 'reason', 'failedAt',
]);
/** The statements that keep them, 500 rows each, so any batch size stays under PostgreSQL's 65535 parameters. */
function keepAll(rows: SetAside[], now: Date): Statement[] {
  const kept = rows.map(({ row, reason }) => ({ ...row, reason: reason.slice(0, 2000), failedAt: now }));
  return Array.from({ length: Math.ceil(kept.length / 500) }, (_, slice) => keepSetAside(kept.slice(slice * 500, slice * 500 + 500)));
}

// The commit need not wait for its WAL flush: if a crash loses it, the rows go out again
// and the consumers' inboxes drop the duplicates. It shortens every relay cycle.
const commitWithoutFlush = preparedSql('kernel_relay_async_commit', () => sql`set local synchronous_commit = off`);

/** Takes (deletes, and so locks) the oldest rows no other relay holds, up to `limit`. */
const takeBatch = prepared('kernel_relay_take', (db, p: Placeholders<{ limit: number }>) =>
  db
    .delete(outbox)
    .where(inArray(outbox.id, db.select({ id: outbox.id }).from(outbox).orderBy(outbox.seq).limit(p.limit).for('update', { skipLocked: true })))
    .returning(),
);

/**
 * Whether the broker closed a channel over one message, which will be refused whatever
 * the retry: a routing key outside the user's topic permission (403), a body over the
 * broker's size limit (406). Anything else (a missing exchange, permissions being
 * changed) concerns every row, and the batch is tried again later instead.
 */
const refusesTheMessage = (error: Error & { code: number }) =>
  (error.code === 403 && /topic/i.test(error.message)) || (error.code === 406 && /message size|max size|larger than/i.test(error.message));

/**
 * Publishes committed outbox rows. Each batch is chosen with FOR UPDATE SKIP LOCKED
 * (so relays sharing an outbox take disjoint rows) and deleted as it is read, published
 * on a confirm channel, and the delete committed only after the broker confirmed it. A
 * crash anywhere before the commit leaves the rows to be published again: at-least-once,
 * with consumers' inboxes removing the duplicates.
 *
 * A row that can never be published (its envelope out of bounds, a message amqplib cannot
 * encode, one the broker refuses) is moved to outbox_dead_letters with its reason in the
 * same transaction, so the rows behind it flow. When the broker closes the channel over
 * one message anyway, the batch's unconfirmed rows are published one at a time to find
 * it: a row ahead of it whose confirm the close swallowed goes out once more, not again
 * and again.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly workers: number;
  private readonly channels: Array<ConfirmChannel | undefined> = [];
  private running = false;
  private loops: Array<Promise<void>> = [];
  /** A NOTIFY no loop has acted on yet: the next loop to look takes it and drains again. */
  private pendingWake = false;
  /** Loops waiting for a NOTIFY, first come first woken: one NOTIFY wakes one loop. */
  private readonly idle: Array<() => void> = [];
  private listener: NotificationListener | undefined;
  /** Why the broker closed a channel, if it did (see closedOverAMessage). */
  private readonly channelErrors = new WeakMap<ConfirmChannel, Error & { code: number }>();
  /** Opens when publishing keeps failing (broker unreachable): the relay then waits instead of spinning. */
  private readonly breaker: Breaker;
  private readonly tracer: ServiceTracer;

  constructor(private readonly options: RelayOptions) {
    this.tracer = options.tracer ?? new ServiceTracer('unknown', 'unknown');
    this.batchSize = options.batchSize ?? 200;
    this.workers = options.workers ?? 1;
    for (const [name, value] of [['batchSize', this.batchSize], ['workers', this.workers]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`relay ${name} must be a positive integer, got ${value}`);
    }
    this.breaker = new Breaker('relay-publisher', options.logger, options.breaker ?? DEFAULT_BREAKER, () => true, options.metrics);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  async start(): Promise<void> {
    this.running = true;
    this.listener = new NotificationListener(this.options.databaseUrl, OUTBOX_CHANNEL, () => this.notify(), this.options.logger);
    await this.listener.start();
    this.loops = Array.from({ length: this.workers }, (_, worker) => this.run(worker));
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const wake of this.idle.splice(0)) wake();
    await Promise.all(this.loops);
    await this.listener?.stop();
    await Promise.all(this.channels.map((channel) => channel?.close().catch(() => undefined)));
    this.channels.length = 0;
    this.breaker.shutdown();
  }

  /**
   * Publishes one batch; returns how many rows it took (published, or set aside as never
   * publishable), so a full batch is followed at once by the next. Two round trips: the batch
   * is deleted (and so locked) as it is read, published, and the delete committed only
   * once the broker has confirmed it; any failure rolls the rows back for the next try.
   */
  async drainOnce(worker = 0): Promise<number> {
    const take = { commitWithoutFlush: commitWithoutFlush({}), rows: takeBatch({ limit: this.batchSize }) };
    try {
      const { published, setAside } = await transaction(this.options.pool, take, async (opened) => {
        const rows = opened.rows.sort((a, b) => a.seq - b.seq);
        if (rows.length === 0) return { value: { published: 0, setAside: [] as SetAside[] } };
        const aside = await this.breaker.run(() => this.publishTraced(worker, rows));
        await this.options.afterPublish?.(rows.map((row) => row.id));
        const now = (this.options.now ?? (() => new Date()))();
        return { value: { published: rows.length - aside.length, setAside: aside }, closing: keepAll(aside, now) };
      });
      this.options.metrics?.outboxPublished.inc(published);
      for (const { row, label, reason } of setAside) {
        this.options.metrics?.outboxDeadLettered.inc({ reason: label });
        this.options.logger.error({ outboxId: row.id, messageType: row.type, reason }, 'outbox row can never be published; set aside in outbox_dead_letters');
      }
      return published + setAside.length;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.options.metrics?.outboxPublishFailures.inc({ reason: publishFailureReason(failure) });
      throw error;
    }
  }

  private notify(): void {
    this.pendingWake = true;
    this.idle.shift()?.();
  }

  private async run(worker: number): Promise<void> {
    let failures = 0;
    while (this.running) {
      let taken = 0;
      try {
        taken = await this.drainOnce(worker);
        failures = 0;
      } catch (error) {
        failures += 1;
        const log = this.breaker.state === 'open' ? this.options.logger.debug : this.options.logger.warn;
        log.call(this.options.logger, { err: error, failures, worker }, 'outbox relay batch failed; rows stay for the next try');
        const resetMs = (this.options.breaker ?? DEFAULT_BREAKER).resetTimeoutMs;
        await this.pause(this.breaker.state === 'open' ? Math.min(5000, resetMs) : backoffMs(failures));
        continue;
      }
      if (taken < this.batchSize) await this.awaitRows(this.options.pollIntervalMs ?? 1000);
    }
  }

  /** Returns at once if a NOTIFY is pending, else waits for one, the poll interval, or stop(). */
  private async awaitRows(pollMs: number): Promise<void> {
    if (this.pendingWake || !this.running) {
      this.pendingWake = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const waiting = this.idle.indexOf(wake);
        if (waiting >= 0) this.idle.splice(waiting, 1);
        resolve();
      }, pollMs);
      this.idle.push(wake);
    });
    this.pendingWake = false;
  }

  /** A backoff after a failure: not cut short by new rows, only by stop(). */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.running && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
  }

  /** publish, with each row's outbox span (only when the breaker lets a batch be tried: an open one makes no spans). */
  private async publishTraced(worker: number, rows: OutboxRow[]): Promise<SetAside[]> {
    const spans = new OutboxSpans(this.tracer, rows, this.options.topology.exchange);
    try {
      const setAside = await this.publish(worker, rows, spans);
      spans.confirmed(setAside);
      return setAside;
    } catch (error) {
      spans.failed(error);
      throw error;
    }
  }

  /** Publishes the rows and waits for their confirms; returns the rows that can never be published. */
  private async publish(worker: number, rows: OutboxRow[], spans: OutboxSpans): Promise<SetAside[]> {
    const setAside: SetAside[] = [];
    const sent: OutboxRow[] = [];
    const confirmedIds = new Set<string>();
    const channel = await this.confirmChannel(worker);
    try {
      for (const row of rows) {
        const outcome = this.send(channel, row, spans, (error) => error || confirmedIds.add(row.id));
        if (outcome === 'sent' || outcome === 'full') sent.push(row);
        else setAside.push(outcome);
        if (outcome === 'full') await drained(channel);
      }
      await this.awaitConfirms(worker, channel);
      return setAside;
    } catch (error) {
      if (!this.closedOverAMessage(channel)) throw error;
    }
    const unsent = rows.filter((row) => !sent.includes(row) && !setAside.some((aside) => aside.row === row));
    sent.push(...unsent);
    // The broker closed the channel over one of the messages: find it by publishing the
    // unconfirmed rows one at a time, each on a channel of its own if it comes to that.
    for (const row of sent.filter((each) => !confirmedIds.has(each.id))) {
      const single = await this.confirmChannel(worker);
      const outcome = this.send(single, row, spans, () => undefined);
      if (outcome !== 'sent' && outcome !== 'full') {
        setAside.push(outcome);
        continue;
      }
      try {
        await this.awaitConfirms(worker, single);
      } catch (error) {
        const refusal = this.closedOverAMessage(single);
        if (!refusal) throw error;
        setAside.push({ row, label: 'refused_by_broker', reason: `refused by the broker: ${refusal.message}` });
      }
    }
    return setAside;
  }

  /** Publishes one row (carrying its outbox span's trace context), or says why it can never be published. */
  private send(channel: ConfirmChannel, row: OutboxRow, spans: OutboxSpans, confirm: (error: unknown) => unknown): 'sent' | 'full' | SetAside {
    const envelope: Envelope = { ...(row.headers ?? ({} as Envelope)), traceparent: undefined, tracestate: undefined, ...spans.headersOf(row.id) };
    const options = toPublishOptions(envelope, this.options.amqp.user, this.options.now?.() ?? new Date());
    const invalid = unpublishable(row, options);
    if (invalid) return invalid;
    if (this.options.publishes && !this.options.publishes.test(row.type)) {
      return { row, label: 'not_permitted', reason: `this service may not publish ${row.type} (its broker user's topic permission is ${this.options.publishes.source})` };
    }
    const body = Buffer.from(JSON.stringify(row.payload) ?? 'null');
    if (body.length > ENVELOPE_LIMITS.bodyBytes) {
      return { row, label: 'too_large', reason: `body of ${body.length} bytes is over the ${ENVELOPE_LIMITS.bodyBytes}-byte bound` };
    }
    try {
      return channel.publish(this.options.topology.exchange, row.type, body, options, confirm) ? 'sent' : 'full';
    } catch (error) {
      if ((error as Error).name === 'IllegalOperationError') throw error; // the channel is closed or closing
      // amqplib encodes a message before writing any of it: the channel is still usable.
      return { row, label: 'unencodable', reason: `cannot be encoded: ${(error as Error).message}` };
    }
  }

  /** The broker's error if it closed the channel over something published on it, while the connection stays up. */
  private closedOverAMessage(channel: ConfirmChannel): (Error & { code: number }) | undefined {
    const error = this.channelErrors.get(channel);
    return error && refusesTheMessage(error) && this.options.amqp.isConnected ? error : undefined;
  }

  private async awaitConfirms(worker: number, channel: ConfirmChannel): Promise<void> {
    const stopTimer = this.options.metrics?.outboxConfirmDuration.startTimer();
    try {
      await confirmed(channel, this.options.confirmTimeoutMs ?? 5000);
      stopTimer?.();
    } catch (error) {
      // The channel's confirm state is unknown now; start the next batch on a fresh one.
      if (this.channels[worker] === channel) this.channels[worker] = undefined;
      channel.close().catch(() => undefined);
      throw error;
    }
  }

  private async confirmChannel(worker: number): Promise<ConfirmChannel> {
    const open = this.channels[worker];
    if (open) return open;
    const channel = await this.options.amqp.current().createConfirmChannel();
    channel.on('error', (error: Error & { code?: unknown }) => {
      this.options.logger.warn({ err: error, worker }, 'relay channel error');
      if (typeof error.code === 'number') this.channelErrors.set(channel, error as Error & { code: number });
    });
    channel.on('close', () => {
      if (this.channels[worker] === channel) this.channels[worker] = undefined;
    });
    this.channels[worker] = channel;
    return channel;
  }
}

/** Waits for a full channel buffer to drain, or fails if the channel closes first (no drain would ever come). */
function drained(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = () => {
      channel.off('drain', onDrain);
      reject(new Error('channel closed while its buffer was full'));
    };
    const onDrain = () => {
      channel.off('close', onClose);
      resolve();
    };
    channel.once('drain', onDrain);
    channel.once('close', onClose);
  });
}

/** A bounded label for why a batch was not published. */
function publishFailureReason(error: Error): string {
  const code = (error as { code?: string }).code;
  if (code === 'EOPENBREAKER') return 'circuit_open';
  if (error.message.startsWith('no publisher confirm')) return 'confirm_timeout';
  if (error.message === 'broker connection is down' || /channel closed|Channel closed/i.test(error.message)) return 'broker_unavailable';
  if (/nack/i.test(error.message)) return 'nacked';
  if (code && /^[0-9A-Z]{5}$/.test(code)) return 'database';
  return 'other';
}
