import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';
import type { ServiceTracer } from '../tracing/serviceTracer';
import { errorHandler, HttpProblem, notFoundRoute } from './problem';
import { routePatternOf, traceRequests } from './traceRequests';

export interface HealthCheck {
  name: string;
  /** false (or a failure): down, and /health answers 503; 'degraded': working, but needs an operator (200, status degraded). */
  healthy(): boolean | 'degraded' | Promise<boolean | 'degraded'>;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

/** An express app with JSON bodies (bounded size), `GET /health`, `GET /openapi.json`, the service's routes, and one error handler last. */
export function createApp(options: {
  routes: (app: Express) => void;
  health: HealthCheck[];
  /** Extra state shown on /health without deciding it (e.g. circuit breakers). */
  healthDetails?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  logger: Logger;
  metrics?: Metrics;
  bodyLimit?: string;
  /** Absolute path of the service's OpenAPI document (YAML), served as JSON at `GET /openapi.json`. */
  openapi?: string;
  /** A span per request, when this process records spans (docs/tracing.md). */
  tracer?: ServiceTracer;
}): Express {
  // Read once, at start: a broken document fails the start, not a request.
  const openapi: unknown = options.openapi ? parseYaml(readFileSync(options.openapi, 'utf8')) : undefined;
  const app = express();
  app.disable('x-powered-by');
  if (options.tracer?.recording) app.use(traceRequests(options.tracer));
  const metrics = options.metrics;
  if (metrics) {
    app.use((req, res, next) => {
      const started = performance.now();
      res.on('finish', () => {
        // The route pattern, not the path, so ids never become label values.
        const route = routePatternOf(req) ?? 'unmatched';
        const seconds = (performance.now() - started) / 1000;
        metrics.httpRequests.inc({ method: req.method, route, status_code: String(res.statusCode) });
        metrics.httpDuration.observe({ method: req.method, route }, seconds);
      });
      next();
    });
    app.get('/metrics', async (_req, res) => {
      res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  app.use(
    express.json({
      limit: options.bodyLimit ?? '100kb',
      type: ['application/json', 'application/*+json'],
      // Invalid UTF-8 would be read as U+FFFD and stored silently: refuse it instead.
      verify: (_req, _res, buffer) => {
        if (!isUtf8(buffer)) throw Object.assign(new Error('Request body is not valid UTF-8'), { status: 400, type: 'entity.verify.failed' });
      },
    }),
  );
  app.use(refuseOtherMediaTypes);
  app.get('/health', healthRoute(options.health, options.healthDetails));
  if (openapi !== undefined) app.get('/openapi.json', (_req, res) => void res.json(openapi));
  options.routes(app);
  app.use(notFoundRoute);
  app.use(errorHandler(options.logger));
  return app;
}

/** A body that is not JSON (the JSON parser left it unread) is a 415, not a validation error about missing fields. */
const refuseOtherMediaTypes: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && req.body === undefined) {
    return next(new HttpProblem(415, 'Unsupported Media Type', `Content-Type ${JSON.stringify(req.get('content-type') ?? '(none)')} is not supported; send application/json`));
  }
  return next();
};

function healthRoute(checks: HealthCheck[], details?: () => Record<string, unknown> | Promise<Record<string, unknown>>): RequestHandler {
  return async (_req, res) => {
    const results = await Promise.all(
      checks.map(async (check) => [check.name, await Promise.resolve(check.healthy()).catch(() => false)] as const),
    );
    const state = (ok: boolean | 'degraded') => (ok === 'degraded' ? 'degraded' : ok ? 'up' : 'down');
    const healthy = results.every(([, ok]) => ok);
    const degraded = results.some(([, ok]) => ok === 'degraded');
    res.status(healthy ? 200 : 503).json({
      status: !healthy ? 'down' : degraded ? 'degraded' : 'up',
      checks: Object.fromEntries(results.map(([name, ok]) => [name, state(ok)])),
      ...(await details?.()),
    });
  };
}

export interface RouteInfo {
  /** Upper case: GET, POST... */
  method: string;
  /** OpenAPI style: `/api/orders/{id}`. */
  path: string;
}

/** What express 5 (router 2) keeps per layer; its published types still describe express 4's. */
interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  rawPath?: unknown;
  handle: { stack?: RouterLayer[] };
}

/**
 * The routes an app registered (`app.get(...)` and the like, in mounted routers too), in
 * registration order. Middleware that answers requests by looking at the URL itself is not
 * a route and is not listed. HEAD, which express answers for every GET, is left out.
 */
export function routesOf(app: Express): RouteInfo[] {
  const routes: RouteInfo[] = [];
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const route of pathsOf(layer.route.path)) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== 'head' && method !== '_all') routes.push({ method: method.toUpperCase(), path: openapiPath(prefix + route) });
          }
        }
      } else if (Array.isArray(layer.handle.stack)) {
        for (const mount of pathsOf(layer.rawPath)) walk(layer.handle.stack, prefix + (mount === '/' ? '' : mount));
      }
    }
  };
  walk((app.router as unknown as { stack: RouterLayer[] }).stack, '');
  return routes;
}

const pathsOf = (path: unknown): string[] => (Array.isArray(path) ? path.flat(Infinity) : [path]).map(String);
const openapiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** Listens on `port` (0 picks a free one) and resolves with the address it got. */
export async function listen(app: Express, port: number, host = '127.0.0.1'): Promise<HttpServer> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const address = server.address() as AddressInfo;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${reachable}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
