import path from 'node:path';
import { startService, type RunningService, type ServiceConfig, type StartOptions } from '@saga/shared';
import { orderRoutes } from './api/orders';
import { orderHandlers } from './handlers';

export const orderService = {
  migrationsFolder: path.join(__dirname, '..', 'drizzle'),
  handlers: orderHandlers,
  routes: orderRoutes,
} satisfies Parameters<typeof startService>[0];

export function startOrderService(config: ServiceConfig, options?: StartOptions): Promise<RunningService> {
  return startService(orderService, config, options);
}
