import { faultsFromEnv, loadServiceConfig, startService } from '@saga/shared';
import { runMain } from '@saga/shared/main';
import { billingService } from './service';

runMain(() => startService(billingService, loadServiceConfig('billing'), faultsFromEnv()));
