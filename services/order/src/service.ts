import path from 'node:path';
import type { ServiceDefinition } from '@saga/shared';
import { orderRoutes } from './api/orders';
import { orderHandlers } from './handlers';
import { DeadlineSweeper } from './saga/deadlineSweeper';
import { registerSagaMetrics } from './saga/sagaMetrics';
import { loadOrderSettings, type OrderSettings } from './settings';

export function orderService(settings: OrderSettings): ServiceDefinition {
  return {
    migrationsFolder: path.join(__dirname, '..', 'drizzle'),
    handlers: orderHandlers(settings.timeouts),
    routes: (app, deps) => orderRoutes(app, deps, settings.timeouts),
    instrument: (deps) => void registerSagaMetrics(deps.metrics, deps.database.pool),
    background: (deps) => [
      new DeadlineSweeper(
        deps.database,
        settings,
        deps.runtime,
        deps.logger.child({ component: 'deadline-sweeper' }),
        registerSagaMetrics(deps.metrics, deps.database.pool),
      ),
    ],
  };
}

/** What npm start and the test systems run (services/registry.ts): the service with its settings from `env`. */
export const definition = (env: NodeJS.ProcessEnv): ServiceDefinition => orderService(loadOrderSettings(env));
