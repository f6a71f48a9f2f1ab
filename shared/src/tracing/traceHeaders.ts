/** A message's or a request's W3C trace context, as its `traceparent` and `tracestate` headers carry it. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string;
}

/** Version 00, lower-case hex, neither id all zeros (W3C Trace Context level 1): anything else starts a fresh trace. */
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
const TRACESTATE_MAX_LENGTH = 512;
const STATE_KEY = '[a-z0-9][a-z0-9_*/@-]{0,255}';
const STATE_VALUE = '[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]';
const STATE_MEMBER = `${STATE_KEY}=${STATE_VALUE}`;
/** Up to 32 key=value members separated by commas (W3C list syntax; the propagator checks each member further). */
const TRACESTATE = new RegExp(`^[ \\t]*${STATE_MEMBER}(?:[ \\t]*,[ \\t]*${STATE_MEMBER}){0,31}[ \\t]*$`);

/**
 * The trace context carried by untrusted headers, if well formed: a traceparent that is not
 * (a hostile or broken one) is dropped, and its message or request starts a fresh trace; a
 * tracestate that is not is dropped alone. Never a reason to refuse anything.
 */
export function traceHeadersFrom(traceparent: unknown, tracestate: unknown): TraceHeaders | undefined {
  if (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent)) return undefined;
  const stateIsValid = typeof tracestate === 'string' && tracestate.length <= TRACESTATE_MAX_LENGTH && TRACESTATE.test(tracestate);
  return stateIsValid ? { traceparent, tracestate } : { traceparent };
}

/** The trace id (32 hex digits) of a well-formed traceparent. */
export const traceIdOf = (headers: TraceHeaders): string => headers.traceparent.slice(3, 35);
