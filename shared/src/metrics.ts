import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The metrics every service exports on GET /metrics, following Prometheus naming:
 * base units as suffix, `_total` on counters, histograms rather than summaries, and
 * only bounded label values (no order ids; unknown message types as "unknown").
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = this.counter('http_requests_total', 'HTTP requests answered', ['method', 'route', 'status_code']);
  readonly httpDuration = this.histogram('http_request_duration_seconds', 'Time to answer an HTTP request', ['method', 'route']);

  readonly messagesConsumed = this.counter(
    'messages_consumed_total',
    'Deliveries by what became of them: ack, duplicate, retry, dead_letter, requeue, unacknowledged',
    ['queue', 'message_type', 'result'],
  );
  readonly handlerDuration = this.histogram('message_handler_duration_seconds', 'Time to handle a message, transaction included', ['queue', 'message_type']);
  readonly deliveryLag = this.histogram('message_delivery_lag_seconds', 'From a message being sent (sentAt) to it being handled', ['queue'], [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
  ]);
  readonly retries = this.counter('message_retries_total', 'Messages parked in a retry queue for a later redelivery', ['queue']);
  readonly deadLettered = this.counter('messages_dead_lettered_total', 'Messages moved to an error queue, by reason', ['queue', 'reason']);
  readonly inboxDuplicates = this.counter('inbox_duplicates_total', 'Redelivered messages the inbox recognised and skipped', ['consumer']);

  readonly outboxPublished = this.counter('outbox_published_total', 'Outbox rows published and confirmed by the broker', []);
  readonly outboxPublishFailures = this.counter('outbox_publish_failures_total', 'Outbox batches that were not published, by reason', ['reason']);
  readonly outboxDeadLettered = this.counter(
    'outbox_dead_lettered_total',
    'Outbox rows that can never be published, set aside in outbox_dead_letters, by reason (invalid_envelope, not_permitted, too_large, unencodable, refused_by_broker)',
    ['reason'],
  );
  readonly outboxConfirmDuration = this.histogram('outbox_confirm_duration_seconds', 'Time from publishing a batch to the broker confirming it', []);

  readonly breakerState = new Gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state: 1 for the current state of each breaker',
    labelNames: ['name', 'state'],
    registers: [this.registry],
  });
  readonly breakerEvents = this.counter('circuit_breaker_events_total', 'Circuit breaker events (success, failure, timeout, reject, open, half_open, close)', ['name', 'event']);

  /** `replica` labels every series too, so replicas of one service scraped apart stay apart. */
  constructor(service: string, replica?: string) {
    this.registry.setDefaultLabels(replica === undefined ? { service } : { service, replica });
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets = LATENCY_BUCKETS): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /**
   * A gauge whose value is computed when Prometheus scrapes (pending outbox rows, oldest
   * saga), never per message. A failing query leaves the last value rather than failing the scrape.
   */
  scrapeGauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => Promise<void>): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await collect(this).catch(() => undefined);
      },
    });
  }
}
