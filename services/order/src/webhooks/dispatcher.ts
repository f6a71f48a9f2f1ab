import { sql } from 'drizzle-orm';
import {
  NotificationListener,
  preparedSql,
  runAlone,
  transaction,
  type BackgroundWorker,
  type DatabaseHandle,
  type Logger,
  type Metrics,
  type Placeholders,
  type Runtime,
} from '@saga/shared';
import { webhookAttempts, webhookDeliveries, webhookSubscriptions } from '../db/schema';
import { checkWebhookUrl } from './allowlist';
import { decideOutcome, type AttemptResult, type RetryPolicy } from './retrySchedule';
import type { WebhookSettings } from './settings';
import { activeSecrets, signedHeaders } from './signature';

/** The channel the webhook_deliveries insert trigger (and a resend) notifies. */
export const WEBHOOK_CHANNEL = 'webhook_deliveries';
/** Deliveries attempted at once by one process. */
const CONCURRENCY = 8;
/** Of those, at most this many to one subscriber: a slow one cannot take every slot. */
const PER_SUBSCRIBER = 2;
/** A lease outlives the attempt's timeout by this much (recording the outcome, clock skew between replicas). */
const LEASE_MARGIN_MS = 5000;
/** What is read of a response (for lastError): a receiver cannot make us hold more. */
const MAX_RESPONSE_BYTES = 2048;
const USER_AGENT = 'saga-orders-webhooks';

interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  deletedAt: Date | null;
}

/**
 * Takes up to `limit` due deliveries and leases them until `leaseUntil` in one statement:
 * a row under way is not due again before its lease ends, so replicas never send one
 * delivery at the same time, and one whose sender died is sent again (same webhook-id)
 * once the lease is over. SKIP LOCKED lets replicas claim side by side. It takes at most
 * PER_SUBSCRIBER rows of a subscriber, and none of the `busy` ones (already that many
 * under way here), so one slow subscriber cannot hold every slot.
 */
const claimDue = preparedSql<{ now: Date; leaseUntil: Date; limit: number; busy: string[] }, ClaimedDelivery>('order_webhook_claim_due', (p) => sql`
  with claimed as (
    update ${webhookDeliveries} set next_attempt_at = ${p.leaseUntil}
    where ${webhookDeliveries.id} in (
      select ${webhookDeliveries.id} from ${webhookDeliveries}
      where ${webhookDeliveries.id} in (
        select ranked.id from (
          select id, next_attempt_at, row_number() over (partition by subscription_id order by next_attempt_at) as rank
          from ${webhookDeliveries}
          where status = 'pending' and next_attempt_at <= ${p.now} and not (subscription_id = any(${p.busy}::uuid[]))
        ) as ranked
        where ranked.rank <= ${PER_SUBSCRIBER}
        order by ranked.next_attempt_at
        limit ${p.limit}
      )
      and ${webhookDeliveries.status} = 'pending' and ${webhookDeliveries.nextAttemptAt} <= ${p.now}
      for update skip locked
    )
    returning id, subscription_id, payload, attempts
  )
  select claimed.id, claimed.subscription_id as "subscriptionId", claimed.payload, claimed.attempts, subscriber.url, subscriber.secret,
    subscriber.previous_secret as "previousSecret", subscriber.previous_secret_expires_at as "previousSecretExpiresAt", subscriber.deleted_at as "deletedAt"
  from claimed join ${webhookSubscriptions} as subscriber on subscriber.id = claimed.subscription_id`);

type AttemptValues = { deliveryId: string; attempt: number; at: Date; statusCode: number | null; error: string | null; durationMs: number };
const recordAttempt = preparedSql('order_webhook_record_attempt', (p: Placeholders<AttemptValues>) => sql`
  insert into ${webhookAttempts} (delivery_id, attempt, at, status_code, error, duration_ms)
  values (${p.deliveryId}, ${p.attempt}, ${p.at}, ${p.statusCode}, ${p.error}, ${p.durationMs})
  on conflict do nothing`);

type SettleValues = {
  deliveryId: string;
  claimedAttempts: number;
  status: string;
  attempts: number;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  error: string | null;
  statusCode: number | null;
};
/**
 * The outcome of an attempt; only by the attempt's owner (a delivery re-claimed after a
 * lapsed lease has moved on) and only while it is pending (its subscriber deleted meanwhile: it stays failed).
 */
const settle = preparedSql('order_webhook_settle', (p: Placeholders<SettleValues>) => sql`
  update ${webhookDeliveries}
  set status = ${p.status}, attempts = ${p.attempts},
    next_attempt_at = coalesce(${p.nextAttemptAt}::timestamptz, next_attempt_at),
    delivered_at = coalesce(${p.deliveredAt}::timestamptz, delivered_at),
    last_error = ${p.error}, last_status_code = ${p.statusCode}
  where id = ${p.deliveryId} and attempts = ${p.claimedAttempts} and status = 'pending'`);

const failDeleted = preparedSql('order_webhook_fail_deleted', (p: Placeholders<{ deliveryId: string }>) => sql`
  update ${webhookDeliveries} set status = 'failed', last_error = 'subscriber deleted'
  where id = ${p.deliveryId} and status = 'pending'`);

/**
 * Sends the webhook outbox: wakes on the webhook_deliveries notification and polls, claims
 * due deliveries under a lease, POSTs each (signed, Standard Webhooks) to its subscriber,
 * and records the attempt and its outcome in one transaction: delivered on a 2xx, else
 * retried with exponential backoff until WEBHOOK_MAX_ATTEMPTS. At least once: a delivery
 * under way when the process dies is sent again after its lease, under the same webhook-id.
 */
export class WebhookDispatcher implements BackgroundWorker {
  private readonly listener: NotificationListener;
  private readonly inFlight = new Set<Promise<void>>();
  /** Attempts under way here, by subscriber. */
  private readonly perSubscriber = new Map<string, number>();
  private readonly outcomes: { inc(labels: { result: 'delivered' | 'retry' | 'failed' }): void };
  private readonly policy: RetryPolicy;
  private timer: NodeJS.Timeout | undefined;
  private claiming: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly settings: WebhookSettings,
    private readonly runtime: Runtime,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.listener = new NotificationListener(database.url, WEBHOOK_CHANNEL, () => this.wake(), logger);
    this.outcomes = metrics.counter('webhook_deliveries_total', 'Webhook delivery attempts by outcome: delivered, retry (failed, tried again later), failed (given up)', ['result']);
    this.policy = { maxAttempts: settings.maxAttempts, baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs };
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listener.start();
    this.timer = setInterval(() => this.wake(), this.settings.pollIntervalMs);
  }

  /** Stops looking for work and waits for the attempts under way (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listener.stop();
    await this.claiming;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Looks for due deliveries now (a notification, the poll, a finished attempt). */
  private wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claimAndSend().finally(() => {
      this.claiming = undefined;
    });
  }

  private async claimAndSend(): Promise<void> {
    try {
      do {
        this.again = false;
        const room = CONCURRENCY - this.inFlight.size;
        if (room <= 0) return; // a finishing attempt wakes us again
        const now = this.runtime.now();
        const leaseUntil = new Date(now.getTime() + this.settings.timeoutMs + LEASE_MARGIN_MS);
        const busy = [...this.perSubscriber].filter(([, count]) => count >= PER_SUBSCRIBER).map(([id]) => id);
        const claimed = await runAlone(this.database.pool, claimDue({ now, leaseUntil, limit: room, busy }));
        for (const delivery of claimed.rows) this.track(delivery.subscriptionId, this.deliver(delivery));
        if (claimed.rows.length === room) this.again = true; // there may be more
      } while (this.again && !this.stopped);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not claim webhook deliveries; trying again at the next poll');
    }
  }

  private track(subscriptionId: string, attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    this.perSubscriber.set(subscriptionId, (this.perSubscriber.get(subscriptionId) ?? 0) + 1);
    void attempt.finally(() => {
      this.inFlight.delete(attempt);
      const left = (this.perSubscriber.get(subscriptionId) ?? 1) - 1;
      if (left > 0) this.perSubscriber.set(subscriptionId, left);
      else this.perSubscriber.delete(subscriptionId);
      this.wake();
    });
  }

  /** One attempt of a claimed delivery and its outcome; never rejects (a failure leaves the row to its lease). */
  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    try {
      if (delivery.deletedAt) {
        await runAlone(this.database.pool, failDeleted({ deliveryId: delivery.id }));
        return;
      }
      const attemptNumber = delivery.attempts + 1;
      const at = this.runtime.now();
      const started = performance.now();
      const result = await this.send(delivery, at);
      const durationMs = Math.round(performance.now() - started);
      const outcome = decideOutcome(result, attemptNumber, this.runtime.now(), this.policy, Math.random());
      // Sent with BEGIN so the settle's row count is known: a replica whose lease lapsed changes nothing.
      const settled = await transaction(
        this.database.pool,
        {
          attempt: recordAttempt({ deliveryId: delivery.id, attempt: attemptNumber, at, statusCode: result.statusCode, error: result.error, durationMs }),
          settle: settle({
            deliveryId: delivery.id,
            claimedAttempts: delivery.attempts,
            status: outcome.status,
            attempts: outcome.attempts,
            nextAttemptAt: outcome.result === 'retry' ? outcome.nextAttemptAt : null,
            deliveredAt: outcome.result === 'delivered' ? outcome.deliveredAt : null,
            error: result.error,
            statusCode: result.statusCode,
          }),
        },
        (opened) => ({ value: opened.settle.rowCount ?? 0 }),
      );
      if (settled === 0) {
        this.logger.info({ deliveryId: delivery.id, attempt: attemptNumber }, 'webhook attempt outcome not recorded: the delivery moved on meanwhile (its lease lapsed, or its subscriber was deleted)');
        return;
      }
      this.outcomes.inc({ result: outcome.result });
      const log = { deliveryId: delivery.id, attempt: attemptNumber, statusCode: result.statusCode, error: result.error ?? undefined };
      if (outcome.result === 'delivered') this.logger.debug(log, 'webhook delivered');
      else if (outcome.result === 'retry') this.logger.info({ ...log, nextAttemptAt: outcome.nextAttemptAt }, 'webhook attempt failed; retrying later');
      else this.logger.warn(log, 'webhook delivery failed; giving up after the last attempt');
    } catch (error) {
      this.logger.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt could not be recorded; it is tried again after its lease');
    }
  }

  /** POSTs the delivery, signed at `at`; a redirect is not followed (it is a failure). */
  private async send(delivery: ClaimedDelivery, at: Date): Promise<AttemptResult> {
    // The allowlist may have changed since the subscriber was registered.
    const target = checkWebhookUrl(delivery.url, this.settings.allowedHosts);
    if (!target.ok) return { statusCode: null, error: `not sent: the URL's ${target.reason}` };
    const body = JSON.stringify(delivery.payload);
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...signedHeaders(delivery.id, at, body, activeSecrets(delivery, at)),
    };
    try {
      const response = await fetch(target.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.settings.timeoutMs) });
      const excerpt = await readSome(response, MAX_RESPONSE_BYTES);
      const status = response.status;
      if (status >= 200 && status < 300) return { statusCode: status, error: null };
      if (status >= 300 && status < 400) {
        return { statusCode: status, error: `redirect (HTTP ${status}) to ${response.headers.get('location') ?? '(no location)'} not followed: a webhook URL must answer itself` };
      }
      return { statusCode: status, error: `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}` };
    } catch (error) {
      return { statusCode: null, error: describeFailure(error, this.settings.timeoutMs) };
    }
  }
}

/** At most `limit` bytes of a response body, as text (the rest is not read). */
async function readSome(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // What was read is enough to describe the answer.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 500);
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = failure.cause?.code ?? failure.cause?.message;
  return `request failed: ${cause ?? failure.message ?? String(error)}`;
}
