import { context, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { tracingInstalled } from './startTracing';
import type { TraceHeaders } from './traceHeaders';

// Not the global propagator: a process with tracing off registers none, and it must still
// carry the trace of the messages it handles to the messages they cause.
const propagator = new W3CTraceContextPropagator();
const getter = {
  keys: (carrier: TraceHeaders) => Object.keys(carrier),
  get: (carrier: TraceHeaders, key: string) => (key === 'traceparent' ? carrier.traceparent : key === 'tracestate' ? carrier.tracestate : undefined),
};

/** A context whose (remote) parent is `headers`' span; the root context when there is none. */
export function contextFrom(headers: TraceHeaders | undefined): Context {
  return headers ? propagator.extract(ROOT_CONTEXT, headers, getter) : ROOT_CONTEXT;
}

/** The headers that carry `of`'s span context on, or undefined when it has none. */
export function traceHeadersOf(of: Context): TraceHeaders | undefined {
  const carrier: Partial<TraceHeaders> = {};
  propagator.inject(of, carrier, { set: (target, key, value) => void ((target as Record<string, string>)[key] = value) });
  return carrier.traceparent ? (carrier as TraceHeaders) : undefined;
}

/**
 * The trace context active here (an HTTP request's span, say), as headers; undefined when
 * tracing is off in this process (no context is tracked then) or none is active.
 */
export function activeTraceHeaders(): TraceHeaders | undefined {
  return tracingInstalled() ? traceHeadersOf(context.active()) : undefined;
}
