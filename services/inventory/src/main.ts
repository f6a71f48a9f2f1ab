import { loadServiceConfig } from '@saga/shared';
import { runMain } from '@saga/shared/main';
import { startInventoryService } from './service';

runMain(() => startInventoryService(loadServiceConfig('inventory')));
