import { faultsFromEnv, loadServiceConfig, startService } from '@saga/shared';
import { runMain } from '@saga/shared/main';
import { inventoryService } from './service';

runMain(() => startService(inventoryService, loadServiceConfig('inventory'), faultsFromEnv()));
