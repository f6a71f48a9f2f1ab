import { isUtf8 } from 'node:buffer';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from '../logging';
import type { Metrics } from '../metrics';
import { errorHandler, HttpProblem, notFoundRoute } from './problem';

export interface HealthCheck {
  name: string;
  /** false (or a failure): down, and /health answers 503; 'degraded': working, but needs an operator (200, status degraded). */
  healthy(): boolean | 'degraded' | Promise<boolean | 'degraded'>;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

/** An express app with JSON bodies (bounded size), `GET /health`, the service's routes, and one error handler last. */
export function createApp(options: {
  routes: (app: Express) => void;
  health: HealthCheck[];
  /** Extra state shown on /health without deciding it (e.g. circuit breakers). */
  healthDetails?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  logger: Logger;
  metrics?: Metrics;
  bodyLimit?: string;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  const metrics = options.metrics;
  if (metrics) {
    app.use((req, res, next) => {
      const started = performance.now();
      res.on('finish', () => {
        // The route pattern, not the path, so ids never become label values.
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
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
