import path from 'node:path';
import type { ServiceDefinition, ServiceDeps } from '@saga/shared';
import { orderRoutes } from './api/orders';
import { orderSagaVersions } from './domain/orderSaga.versions';
import { orderHandlers } from './handlers';
import { DeadlineSweeper } from './saga/deadlineSweeper';
import { OrderSagas } from './saga/orderSagas';
import { SagaMetrics } from './saga/sagaMetrics';
import { loadOrderSettings, type OrderSettings } from './settings';

export function orderService(settings: OrderSettings): ServiceDefinition {
  // One saga service per started service, with that service's metrics: built from the
  // dependencies the kernel hands to each part (all the same deps for one start).
  const versions = orderSagaVersions(settings.sagaVersion);
  const composed = new WeakMap<ServiceDeps, { sagas: OrderSagas; metrics: SagaMetrics }>();
  const compose = (deps: ServiceDeps) => {
    let parts = composed.get(deps);
    if (!parts) {
      const metrics = new SagaMetrics(deps.metrics, deps.database.db, versions);
      parts = { sagas: new OrderSagas(versions, settings.timeouts, metrics), metrics };
      composed.set(deps, parts);
    }
    return parts;
  };
  return {
    migrationsFolder: path.join(__dirname, '..', 'drizzle'),
    instrument: (deps) => void compose(deps),
    handlers: (deps) => orderHandlers(compose(deps).sagas),
    routes: (app, deps) => orderRoutes(app, deps, compose(deps).sagas, compose(deps).metrics),
    background: (deps) => [
      new DeadlineSweeper(deps.database, compose(deps).sagas, settings.deadlineSweepIntervalMs, deps.runtime, deps.logger.child({ component: 'deadline-sweeper' })),
    ],
  };
}

/** What npm start and the test systems run (services/registry.ts): the service with its settings from `env`. */
export const definition = (env: NodeJS.ProcessEnv): ServiceDefinition => orderService(loadOrderSettings(env));
