import type { ConfirmChannel } from 'amqplib';
import type { Pool } from 'pg';
import { NotificationListener } from '../db/notifications';
import { backoffMs } from '../backoff';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';
import type { AmqpClient } from './amqp';
import { Breaker, DEFAULT_BREAKER, type BreakerSettings, type BreakerState } from './breaker';
import { confirmed } from './confirm';
import { toPublishOptions, type Envelope } from './envelope';
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
  /** Fallback poll when no NOTIFY arrives (a missed notification, a relay started late). */
  pollIntervalMs?: number;
  /** An unconfirmed batch is treated as not published: its rows stay and go out again. */
  confirmTimeoutMs?: number;
  breaker?: BreakerSettings;
  metrics?: Metrics;
  /** Fault injection for tests: runs after the broker confirmed a batch, before its rows are deleted. */
  afterPublish?: (messageIds: string[]) => void | Promise<void>;
}

interface OutboxRow {
  id: string;
  type: string;
  payload: unknown;
  headers: Envelope;
}

/**
 * Publishes committed outbox rows. Each batch is locked with FOR UPDATE SKIP LOCKED
 * (so relays sharing an outbox take disjoint rows), published on a confirm channel,
 * and deleted in the same transaction only after the broker confirmed it. A crash
 * anywhere before the commit leaves the rows to be published again: at-least-once,
 * with consumers' inboxes removing the duplicates.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private channel: ConfirmChannel | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private listener: NotificationListener | undefined;
  /** Opens when publishing keeps failing (broker unreachable): the relay then waits instead of spinning. */
  private readonly breaker: Breaker;

  constructor(private readonly options: RelayOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.breaker = new Breaker('relay-publisher', options.logger, options.breaker ?? DEFAULT_BREAKER, () => true, options.metrics);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  async start(): Promise<void> {
    this.running = true;
    this.listener = new NotificationListener(this.options.databaseUrl, OUTBOX_CHANNEL, () => this.notify(), this.options.logger);
    await this.listener.start();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    await this.listener?.stop();
    await this.channel?.close().catch(() => undefined);
    this.channel = undefined;
    this.breaker.shutdown();
  }

  /** Publishes one batch; returns how many rows it published. */
  async drainOnce(): Promise<number> {
    const client = await this.options.pool.connect();
    let failure: Error | undefined;
    try {
      // The delete need not wait for its WAL flush: if a crash loses it, the rows go out
      // again and the consumers' inboxes drop the duplicates. It shortens every relay cycle.
      await client.query('begin; set local synchronous_commit = off');
      const { rows } = await client.query<OutboxRow>(
        'select id, type, payload, headers from outbox order by seq limit $1 for update skip locked',
        [this.batchSize],
      );
      if (rows.length > 0) {
        await this.breaker.run(() => this.publish(rows));
        const ids = rows.map((row) => row.id);
        await this.options.afterPublish?.(ids);
        await client.query('delete from outbox where id = any($1::uuid[])', [ids]);
      }
      await client.query('commit');
      this.options.metrics?.outboxPublished.inc(rows.length);
      return rows.length;
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      this.options.metrics?.outboxPublishFailures.inc({ reason: publishFailureReason(failure) });
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release(failure); // a failed client is discarded, not reused
    }
  }

  private notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let published = 0;
      try {
        published = await this.drainOnce();
        failures = 0;
      } catch (error) {
        failures += 1;
        const log = this.breaker.state === 'open' ? this.options.logger.debug : this.options.logger.warn;
        log.call(this.options.logger, { err: error, failures }, 'outbox relay batch failed; rows stay for the next try');
        const resetMs = (this.options.breaker ?? DEFAULT_BREAKER).resetTimeoutMs;
        await this.sleep(this.breaker.state === 'open' ? Math.min(5000, resetMs) : backoffMs(failures));
        continue;
      }
      if (published < this.batchSize) await this.sleep(this.options.pollIntervalMs ?? 1000);
    }
  }

  /** Waits for a NOTIFY, the poll interval, or stop(), whichever comes first. */
  private async sleep(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) {
      this.pendingWake = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
    this.pendingWake = false;
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    const channel = await this.confirmChannel();
    for (const row of rows) {
      const body = Buffer.from(JSON.stringify(row.payload));
      const accepted = channel.publish(this.options.topology.exchange, row.type, body, toPublishOptions(row.headers));
      if (!accepted) await drained(channel);
    }
    await this.awaitConfirms(channel);
  }

  private async awaitConfirms(channel: ConfirmChannel): Promise<void> {
    const stopTimer = this.options.metrics?.outboxConfirmDuration.startTimer();
    try {
      await confirmed(channel, this.options.confirmTimeoutMs ?? 5000);
      stopTimer?.();
    } catch (error) {
      // The channel's confirm state is unknown now; start the next batch on a fresh one.
      this.channel = undefined;
      channel.close().catch(() => undefined);
      throw error;
    }
  }

  private async confirmChannel(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    const channel = await this.options.amqp.current().createConfirmChannel();
    channel.on('error', (error: Error) => this.options.logger.warn({ err: error }, 'relay channel error'));
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
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
