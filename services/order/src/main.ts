import { faultsFromEnv, loadServiceConfig, startService } from '@saga/shared';
import { runMain } from '@saga/shared/main';
import { orderService } from './service';
import { loadOrderSettings } from './settings';

runMain(() => startService(orderService(loadOrderSettings()), loadServiceConfig('order'), faultsFromEnv()));
