import path from 'node:path';
import type { ServiceDefinition } from '@saga/shared';
import { shipmentRoutes } from './api/shipments';
import { shippingHandlers } from './handlers';
import { loadShippingSettings, type ShippingSettings } from './settings';

export function shippingService(settings: ShippingSettings): ServiceDefinition {
  return {
    migrationsFolder: path.join(__dirname, '..', 'drizzle'),
    openapi: path.join(__dirname, '..', 'openapi.yaml'),
    handlers: shippingHandlers(settings),
    routes: (app, deps) => shipmentRoutes(app, deps),
  };
}

/** What npm start and the test systems run (services/registry.ts): the service with its settings from `env`. */
export const definition = (env: NodeJS.ProcessEnv): ServiceDefinition => shippingService(loadShippingSettings(env));
