import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { fromProperties, HEADER, toPublishOptions, type Envelope } from '../src/messaging/envelope';
import { outboxRows, message } from '../src/messaging/outbox';
import { order } from '../src/contracts';
import { contextFrom, traceHeadersOf } from '../src/tracing/propagation';
import { ServiceTracer } from '../src/tracing/serviceTracer';
import { tracingInstalled } from '../src/tracing/startTracing';
import { traceHeadersFrom, traceIdOf } from '../src/tracing/traceHeaders';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

const envelope: Envelope = {
  messageId: 'a5b7d1c2-0f1e-4c3b-9a8d-7e6f5a4b3c2d',
  messageType: 'domain.order.ReserveInventory',
  correlationId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  causationId: null,
  conversationId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  sentAt: '2026-11-21T10:00:00.000Z',
  source: 'order',
};
const withHeaders = (headers: Record<string, unknown>) => {
  const options = toPublishOptions(envelope, 'order') as Parameters<typeof fromProperties>[0] & { headers: Record<string, unknown> };
  return fromProperties({ ...options, headers: { ...options.headers, ...headers } });
};

describe('trace context headers', () => {
  it('keeps a well-formed traceparent and tracestate', () => {
    expect(traceHeadersFrom(TRACEPARENT, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7')).toEqual({ traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' });
    expect(traceHeadersFrom(TRACEPARENT, undefined)).toEqual({ traceparent: TRACEPARENT });
    expect(traceIdOf({ traceparent: TRACEPARENT })).toBe(TRACE_ID);
  });

  it.each([
    ['a number', 7],
    ['a table', { traceparent: TRACEPARENT }],
    ['an empty string', ''],
    ['upper-case hex', TRACEPARENT.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['an all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['a future version with more fields', `01-${TRACE_ID}-${SPAN_ID}-01-extra`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['a trailing newline', `${TRACEPARENT}\n`],
    ['a leading space', ` ${TRACEPARENT}`],
    ['a NUL', `${TRACEPARENT.slice(0, 10)}\u0000${TRACEPARENT.slice(11)}`],
    ['64 kB of it', TRACEPARENT.repeat(1200)],
  ])('drops a traceparent that is %s, and its tracestate with it', (_name, traceparent) => {
    expect(traceHeadersFrom(traceparent, 'congo=t61rcWkgMzE')).toBeUndefined();
  });

  it.each([
    ['over 512 characters', `a=${'b'.repeat(600)}`],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['no key', '=v'],
    ['a control character', 'a=b\u0001c'],
    ['non-ASCII', 'a=bé'],
    ['a number', 42],
  ])('drops a tracestate that is %s, keeping the traceparent', (_name, tracestate) => {
    expect(traceHeadersFrom(TRACEPARENT, tracestate)).toEqual({ traceparent: TRACEPARENT });
  });

  // Shapes that make a backtracking pattern slow: each is refused (a blow-up would time the test out).
  it.each([
    ['trailing spaces', `a=b${' '.repeat(500)}x=`],
    ['keys without values', 'a='.repeat(256)],
    ['empty members', `a=b${' ,'.repeat(250)}`],
  ])('drops a tracestate of %s', (_name, tracestate) => {
    expect(traceHeadersFrom(TRACEPARENT, tracestate)).toEqual({ traceparent: TRACEPARENT });
  });
});

describe('the envelope with trace context', () => {
  it('carries a well-formed traceparent and tracestate through AMQP headers', () => {
    const traced = { ...envelope, traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' };
    const options = toPublishOptions(traced, 'order');
    expect(options.headers).toMatchObject({ [HEADER.traceparent]: TRACEPARENT, [HEADER.tracestate]: 'congo=t61rcWkgMzE' });
    expect(fromProperties(options as Parameters<typeof fromProperties>[0])).toEqual(traced);
  });

  it.each([
    ['malformed', 'not-a-traceparent'],
    ['a table', { a: 1 }],
    ['1 kB long', 'x'.repeat(1024)],
    ['a NUL', '\u0000'],
  ])('drops a %s traceparent instead of refusing the message', (_name, traceparent) => {
    const read = withHeaders({ [HEADER.traceparent]: traceparent, [HEADER.tracestate]: 'congo=t61rcWkgMzE' });
    expect(read).not.toHaveProperty('invalid');
    expect(read).not.toHaveProperty('traceparent');
    expect(read).not.toHaveProperty('tracestate');
  });

  it('still refuses a header table over its bound, whatever trace context it carries', () => {
    const read = withHeaders({ [HEADER.traceparent]: TRACEPARENT, [HEADER.tracestate]: 'x'.repeat(17 * 1024) });
    expect('invalid' in read && read.invalid).toMatch(/over the 16384-byte bound/);
  });
});

describe('with tracing off in this process', () => {
  it('registers nothing', () => {
    expect(tracingInstalled()).toBe(false);
  });

  it("passes an incoming trace context on: the no-op tracer's span carries its parent's context, and the propagator writes it", () => {
    const parent = contextFrom({ traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' });
    const span = new ServiceTracer('inventory', 'a').start('handle x', parent);
    expect(span.isRecording()).toBe(false);
    expect(traceHeadersOf(trace.setSpan(ROOT_CONTEXT, span))).toEqual({ traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' });
    expect(traceHeadersOf(ROOT_CONTEXT)).toBeUndefined();
  });

  it('writes outbox rows with the trace they are sent in, and none without one', () => {
    const runtime = { now: () => new Date('2026-11-21T10:00:00.000Z'), newId: () => 'a5b7d1c2-0f1e-4c3b-9a8d-7e6f5a4b3c2d' };
    const context = { source: 'order', correlationId: envelope.correlationId, causationId: null, conversationId: envelope.correlationId, runtime };
    const outgoing = [message(order.ValidateInventory, { orderId: envelope.correlationId, items: [{ productId: envelope.messageId, quantity: 1 }] }, { type: 'order', id: envelope.correlationId })];
    expect(outboxRows({ ...context, trace: { traceparent: TRACEPARENT } }, outgoing)[0]!.headers).toMatchObject({ traceparent: TRACEPARENT });
    expect(outboxRows(context, outgoing)[0]!.headers).not.toHaveProperty('traceparent');
  });

  it('carries a stored trace on as it is when continuing it', () => {
    const continued = new ServiceTracer('order', 'a').continueTrace('saga deadline', { traceparent: TRACEPARENT });
    expect(continued.headers).toEqual({ traceparent: TRACEPARENT });
    continued.end();
  });
});
