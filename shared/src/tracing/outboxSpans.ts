import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Envelope } from '../messaging/envelope';
import { contextFrom, traceHeadersOf } from './propagation';
import { MESSAGING_ATTR, SAGA_ATTR, type ServiceTracer } from './serviceTracer';
import { traceHeadersFrom, type TraceHeaders } from './traceHeaders';

interface Row {
  id: string;
  type: string;
  headers: Envelope | null;
  createdAt: Date;
}

interface OutboxSpan {
  /** Absent when tracing is off here. */
  span?: Span;
  /** What the published message carries: this span's context, or the row's passed through. */
  headers: TraceHeaders | undefined;
}

/**
 * The `outbox <type>` spans of a batch the relay publishes, one per row: each begins when
 * its row was written (its created_at, taken in the writer's transaction), ends when the
 * broker confirmed it (the message's time in the outbox), and is the parent the message
 * carries to its consumer. A row's span is a child of the context the row was written in.
 */
export class OutboxSpans {
  private readonly spans = new Map<string, OutboxSpan>();

  constructor(tracer: ServiceTracer, rows: readonly Row[], exchange: string) {
    for (const row of rows) {
      const written = traceHeadersFrom(row.headers?.traceparent, row.headers?.tracestate);
      if (!tracer.recording) {
        this.spans.set(row.id, { headers: written });
        continue;
      }
      const span = tracer.start(`outbox ${row.type}`, contextFrom(written), { kind: SpanKind.PRODUCER, startTime: row.createdAt }, () => ({
        [MESSAGING_ATTR.system]: 'rabbitmq',
        [MESSAGING_ATTR.operationType]: 'send',
        [MESSAGING_ATTR.destination]: exchange,
        [MESSAGING_ATTR.messageId]: row.id,
        [SAGA_ATTR.messageType]: row.type,
        ...(row.headers?.correlationId ? { [SAGA_ATTR.correlationId]: row.headers.correlationId } : {}),
      }));
      this.spans.set(row.id, { span, headers: traceHeadersOf(trace.setSpan(ROOT_CONTEXT, span)) });
    }
  }

  /** The trace context to publish the row with. */
  headersOf(rowId: string): TraceHeaders | undefined {
    return this.spans.get(rowId)?.headers;
  }

  /** Ends every span once the broker has confirmed the batch: those of the rows set aside as failed, with why. */
  confirmed(setAside: ReadonlyArray<{ row: { id: string }; reason: string }>): void {
    const reasons = new Map(setAside.map(({ row, reason }) => [row.id, reason]));
    for (const [rowId, { span }] of this.spans) {
      const reason = reasons.get(rowId);
      if (reason !== undefined) span?.setStatus({ code: SpanStatusCode.ERROR, message: `set aside in outbox_dead_letters: ${reason}` });
      span?.end();
    }
  }

  /** Ends every span as failed: the batch was not published, and its rows stay for the next try (which has spans of its own). */
  failed(error: unknown): void {
    for (const { span } of this.spans.values()) {
      span?.recordException(error instanceof Error ? error : String(error));
      span?.setStatus({ code: SpanStatusCode.ERROR, message: 'not confirmed by the broker; the row stays in the outbox for the next try' });
      span?.end();
    }
  }
}
