import path from 'node:path';
import type { ServiceDefinition } from '@saga/shared';
import { orderRoutes } from './api/orders';
import { orderHandlers } from './handlers';

export const orderService = {
  migrationsFolder: path.join(__dirname, '..', 'drizzle'),
  handlers: orderHandlers,
  routes: orderRoutes,
} satisfies ServiceDefinition;
