import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { Request, RequestHandler } from 'express';
import { contextFrom } from '../tracing/propagation';
import type { ServiceTracer } from '../tracing/serviceTracer';
import { traceHeadersFrom } from '../tracing/traceHeaders';

/** The route pattern a request matched (`/api/orders/:id`), so ids never go into a span's name; undefined when none did. */
export const routePatternOf = (req: Request): string | undefined => (req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined);

/**
 * A server span per request, named `METHOD route-pattern` once the route is known, and
 * active while the route runs: what it writes to the outbox continues its trace. A client's
 * well-formed `traceparent` makes it a child of the client's span.
 */
export function traceRequests(tracer: ServiceTracer): RequestHandler {
  return (req, res, next) => {
    const parent = contextFrom(traceHeadersFrom(req.get('traceparent'), req.get('tracestate')));
    const span = tracer.start(req.method, parent, { kind: SpanKind.SERVER }, () => ({ [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path }));
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = routePatternOf(req);
      if (route) span.updateName(`${req.method} ${route}`);
      span.setAttributes({ ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}), [ATTR_HTTP_RESPONSE_STATUS_CODE]: res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    // 'close' alone when the client went away before the answer was sent.
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}
