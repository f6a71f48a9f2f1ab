import path from 'node:path';
import { startService, type RunningService, type ServiceConfig, type StartOptions } from '@saga/shared';
import { productRoutes } from './api/products';
import { reservationRoutes } from './api/reservations';
import { inventoryHandlers } from './handlers';

export const inventoryService = {
  migrationsFolder: path.join(__dirname, '..', 'drizzle'),
  handlers: inventoryHandlers,
  routes: (app, deps) => {
    productRoutes(app, deps);
    reservationRoutes(app, deps);
  },
} satisfies Parameters<typeof startService>[0];

export function startInventoryService(config: ServiceConfig, options?: StartOptions): Promise<RunningService> {
  return startService(inventoryService, config, options);
}
