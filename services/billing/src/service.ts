import path from 'node:path';
import type { ServiceDefinition } from '@saga/shared';
import { accountRoutes } from './api/accounts';
import { paymentRoutes } from './api/payments';
import { billingHandlers } from './handlers';

export const billingService = {
  migrationsFolder: path.join(__dirname, '..', 'drizzle'),
  openapi: path.join(__dirname, '..', 'openapi.yaml'),
  handlers: billingHandlers,
  routes: (app, deps) => {
    accountRoutes(app, deps);
    paymentRoutes(app, deps);
  },
} satisfies ServiceDefinition;

/** What npm start and the test systems run (services/registry.ts). */
export const definition = (_env: NodeJS.ProcessEnv): ServiceDefinition => billingService;
