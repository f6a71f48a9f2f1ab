import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { contextFrom, traceHeadersOf } from './propagation';
import { tracingInstalled } from './startTracing';
import type { TraceHeaders } from './traceHeaders';

/** Span attributes of our own: the saga's names for what the semantic conventions have no name for. */
export const SAGA_ATTR = {
  /** The service and replica that recorded the span: the resource is the process's, and one process may run several (the test systems do). */
  service: 'saga.service',
  replica: 'saga.replica',
  /** The order id: every span about one order has it. */
  correlationId: 'saga.correlation_id',
  messageType: 'saga.message_type',
  /** Deliveries of this message to this service so far, this one included (redeliveries from the retry queues count). */
  deliveryCount: 'saga.delivery_count',
  /** What became of a delivery: handled, duplicate, retried, rejected... (the consumer's settlement). */
  result: 'saga.result',
  /** A saga's step and status after a change (the deadline sweeper's spans). */
  step: 'saga.step',
  status: 'saga.status',
} as const;

/**
 * Messaging semantic-convention names. They are still incubating in
 * @opentelemetry/semantic-conventions, whose docs advise copying such names rather than
 * importing them (an incubating export may change in a minor version).
 */
export const MESSAGING_ATTR = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  destination: 'messaging.destination.name',
} as const;

/** Untrusted text (a message's id or type as received) kept to a bounded length in an attribute. */
export const bounded = (value: unknown, max = 255): string | undefined => (typeof value === 'string' ? value.slice(0, max) : undefined);

/** Work continuing a stored trace: the headers its messages carry, and its span to end. */
export interface ContinuedTrace {
  headers: TraceHeaders | undefined;
  /** Marks the work failed (call before end). */
  failed(error: unknown): void;
  end(): void;
}

const UNTRACED = { failed: () => undefined, end: () => undefined };

/**
 * The spans of one started service: every span it starts names the service and the replica.
 * Attributes are only computed for a recording span, so with tracing off a span costs the
 * API's no-op (a non-recording span that carries its parent's context on).
 */
export class ServiceTracer {
  private readonly tracer: Tracer = trace.getTracer('@saga/shared');

  constructor(
    readonly service: string,
    readonly replicaId: string,
  ) {}

  /** Whether this process records spans at all. */
  get recording(): boolean {
    return tracingInstalled();
  }

  start(name: string, parent: Context, options: SpanOptions = {}, attributes?: () => Attributes): Span {
    const span = this.tracer.startSpan(name, options, parent);
    if (span.isRecording()) span.setAttributes({ [SAGA_ATTR.service]: this.service, [SAGA_ATTR.replica]: this.replicaId, ...attributes?.() });
    return span;
  }

  /**
   * A span continuing the trace that `stored` carries (one kept with an aggregate, for work
   * no message starts), with the headers that carry it on to the messages it sends. With
   * tracing off, no span: `stored` is carried on as it is.
   */
  continueTrace(name: string, stored: TraceHeaders | undefined, attributes?: () => Attributes): ContinuedTrace {
    if (!this.recording) return { ...UNTRACED, headers: stored };
    const span = this.start(name, contextFrom(stored), {}, attributes);
    return {
      headers: traceHeadersOf(trace.setSpan(ROOT_CONTEXT, span)),
      failed: (error) => {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
      },
      end: () => span.end(),
    };
  }
}
