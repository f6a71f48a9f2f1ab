import path from 'node:path';
import type { ServiceDefinition } from '@saga/shared';
import { productRoutes } from './api/products';
import { reservationRoutes } from './api/reservations';
import { inventoryHandlers } from './handlers';

export const inventoryService = {
  migrationsFolder: path.join(__dirname, '..', 'drizzle'),
  openapi: path.join(__dirname, '..', 'openapi.yaml'),
  handlers: inventoryHandlers,
  routes: (app, deps) => {
    productRoutes(app, deps);
    reservationRoutes(app, deps);
  },
} satisfies ServiceDefinition;

/** What npm start and the test systems run (services/registry.ts). */
export const definition = (_env: NodeJS.ProcessEnv): ServiceDefinition => inventoryService;
