import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { MessageProperties } from 'amqplib';
import type { Settlement } from '../messaging/consumer';
import { contextFrom, traceHeadersOf } from './propagation';
import { bounded, MESSAGING_ATTR, SAGA_ATTR, type ServiceTracer } from './serviceTracer';
import { traceHeadersFrom, type TraceHeaders } from './traceHeaders';

/** What a delivery's spans need to know of it. */
export interface Delivery {
  properties: Pick<MessageProperties, 'messageId' | 'correlationId' | 'headers'>;
  /** The message type as named in spans: one the consumer handles, or 'unknown' (span names stay bounded). */
  type: string;
  queue: string;
  /** This delivery's number, the first being 1. */
  deliveryCount: number;
  /**
   * When the message went into the queue it came from: its relay's publish, or, on one the
   * service put back itself, its last failure (into a retry queue) or its replay.
   */
  enqueuedAt: unknown;
}

/** Every way a delivery can end (the compiler sees to it), and whether its span says it failed; `requeued`: returned untried while the breaker was open. */
const outcomes: Record<Settlement['result'], 'ok' | 'failed'> = {
  handled: 'ok',
  duplicate: 'ok',
  retried: 'failed',
  requeued: 'failed',
  rotated: 'failed',
  rejected: 'failed',
  nacked: 'failed',
  unacknowledged: 'failed',
};

/**
 * The trace of one delivery to a consumer: a `broker <type>` span for its time in the queue
 * (from when it was enqueued to now), and a `handle <type>` span (kind consumer) around its
 * whole handling, both children of the context the message carries (its outbox span). The
 * handler's messages continue the trace from the handle span; with tracing off here they
 * carry the incoming context on unchanged.
 */
export class DeliveryTrace {
  /** What the messages the handler sends carry. */
  readonly outgoing: TraceHeaders | undefined;
  /** The context to handle the message in. */
  readonly context: Context;
  private readonly span: Span | undefined;

  constructor(tracer: ServiceTracer, delivery: Delivery) {
    const headers = delivery.properties.headers ?? {};
    const incoming = traceHeadersFrom(headers.traceparent, headers.tracestate);
    if (!tracer.recording) {
      this.outgoing = incoming;
      this.context = ROOT_CONTEXT;
      return;
    }
    const parent = contextFrom(incoming);
    const attributes = () => ({
      [MESSAGING_ATTR.system]: 'rabbitmq',
      [MESSAGING_ATTR.destination]: delivery.queue,
      [MESSAGING_ATTR.messageId]: bounded(delivery.properties.messageId),
      [SAGA_ATTR.messageType]: delivery.type,
      [SAGA_ATTR.correlationId]: bounded(delivery.properties.correlationId),
      [SAGA_ATTR.deliveryCount]: delivery.deliveryCount,
    });
    const enqueuedAt = instant(delivery.enqueuedAt);
    if (enqueuedAt !== undefined) {
      const now = Date.now();
      const broker = tracer.start(`broker ${delivery.type}`, parent, { kind: SpanKind.INTERNAL, startTime: Math.min(enqueuedAt, now) }, attributes);
      broker.end(now);
    }
    this.span = tracer.start(`handle ${delivery.type}`, parent, { kind: SpanKind.CONSUMER }, () => ({ ...attributes(), [MESSAGING_ATTR.operationType]: 'process' }));
    this.context = trace.setSpan(parent, this.span);
    this.outgoing = traceHeadersOf(this.context);
  }

  /** A failed try of the handler (an in-process retry may follow). */
  failed(error: Error): void {
    this.span?.recordException(error);
  }

  /** Ends the handle span with what became of the delivery. */
  settled(result: Settlement['result'], detail?: string): void {
    if (!this.span) return;
    this.span.setAttribute(SAGA_ATTR.result, result);
    if (outcomes[result] === 'failed') this.span.setStatus({ code: SpanStatusCode.ERROR, message: detail ? `${result}: ${detail.slice(0, 500)}` : result });
    this.span.end();
  }
}

/** An untrusted header as an instant in epoch milliseconds, if it is an ISO-8601 one. */
function instant(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
