import path from 'node:path';
import type { ServiceDefinition, ServiceDeps } from '@saga/shared';
import { OperatorTokens } from './api/operators';
import { orderRoutes } from './api/orders';
import { sagaEventRoutes } from './api/sagaEvents';
import { ErrorQueueConsole } from './console/errorQueueConsole';
import { Fleet } from './console/fleet';
import { consoleRoutes } from './console/routes';
import { SagaListing } from './console/sagaListing';
import { SagaEventHub } from './events/sagaEventHub';
import { SagaEventReader } from './events/sagaEventReader';
import { orderSagaVersions } from './domain/orderSaga.versions';
import { orderHandlers } from './handlers';
import { DeadlineSweeper } from './saga/deadlineSweeper';
import { OrderSagas } from './saga/orderSagas';
import { SagaMetrics } from './saga/sagaMetrics';
import { loadOrderSettings, type OrderSettings } from './settings';
import { WebhookDispatcher } from './webhooks/dispatcher';
import { webhookRoutes } from './webhooks/routes';
import { loadWebhookSettings, type WebhookSettings } from './webhooks/settings';

export function orderService(settings: OrderSettings, webhooks: WebhookSettings, env: NodeJS.ProcessEnv): ServiceDefinition {
  const operators = new OperatorTokens(settings.operators);
  // One saga service per started service, with that service's metrics: built from the
  // dependencies the kernel hands to each part (all the same deps for one start).
  const versions = orderSagaVersions(settings.sagaVersion);
  const composed = new WeakMap<ServiceDeps, { sagas: OrderSagas; metrics: SagaMetrics; events: SagaEventHub; reader: SagaEventReader; fleet: Fleet }>();
  const compose = (deps: ServiceDeps) => {
    let parts = composed.get(deps);
    if (!parts) {
      const metrics = new SagaMetrics(deps.metrics, deps.database.db, versions);
      parts = {
        sagas: new OrderSagas(versions, settings.timeouts, metrics),
        metrics,
        events: new SagaEventHub(deps.database.url, deps.logger.child({ component: 'saga-events' }), settings.eventStreams),
        reader: new SagaEventReader(deps.database.url),
        fleet: new Fleet(env, { service: 'order', database: deps.database }),
      };
      composed.set(deps, parts);
    }
    return parts;
  };
  return {
    migrationsFolder: path.join(__dirname, '..', 'drizzle'),
    openapi: path.join(__dirname, '..', 'openapi.yaml'),
    instrument: (deps) => void compose(deps),
    handlers: (deps) => orderHandlers(compose(deps).sagas),
    routes: (app, deps) => {
      orderRoutes(app, deps, compose(deps).sagas, compose(deps).metrics);
      sagaEventRoutes(app, deps, compose(deps).reader, compose(deps).events);
      const { fleet } = compose(deps);
      const logger = deps.logger.child({ component: 'console' });
      consoleRoutes(app, {
        fleet,
        listing: new SagaListing(deps.database.db, versions, stuckRules(settings), settings.traceUiUrl),
        errorQueues: new ErrorQueueConsole(fleet, env, logger),
        operators,
        runtime: deps.runtime,
        logger,
        env,
      });
      webhookRoutes(app, deps, operators, webhooks);
    },
    background: (deps) => [
      compose(deps).events,
      { start: () => undefined, stop: async () => void (await Promise.all([compose(deps).fleet.close(), compose(deps).reader.close()])) },
      new DeadlineSweeper(deps.database, compose(deps).sagas, settings.deadlineSweepIntervalMs, deps.runtime, deps.logger.child({ component: 'deadline-sweeper' }), stuckRules(settings), settings.journalRetentionMs, deps.tracer),
      new WebhookDispatcher(deps.database, webhooks, deps.runtime, deps.logger.child({ component: 'webhooks' }), deps.metrics),
    ],
  };
}

/** When a saga counts as stuck: in flight too long, or past a step deadline by several sweeps (the sweeper would have moved it). */
export const stuckRules = (settings: OrderSettings) => ({ stuckAfterMs: settings.stuckAfterMs, overdueMs: Math.max(5000, 5 * settings.deadlineSweepIntervalMs) });

/** What npm start and the test systems run (services/registry.ts): the service with its settings from `env`. */
export const definition = (env: NodeJS.ProcessEnv): ServiceDefinition => orderService(loadOrderSettings(env), loadWebhookSettings(env), env);
