import path from 'node:path';
import { startService, type RunningService, type ServiceConfig, type StartOptions } from '@saga/shared';
import { accountRoutes } from './api/accounts';
import { paymentRoutes } from './api/payments';
import { billingHandlers } from './handlers';

export const billingService = {
  migrationsFolder: path.join(__dirname, '..', 'drizzle'),
  handlers: billingHandlers,
  routes: (app, deps) => {
    accountRoutes(app, deps);
    paymentRoutes(app, deps);
  },
} satisfies Parameters<typeof startService>[0];

export function startBillingService(config: ServiceConfig, options?: StartOptions): Promise<RunningService> {
  return startService(billingService, config, options);
}
