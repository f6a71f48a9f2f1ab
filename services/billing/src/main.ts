import { loadServiceConfig } from '@saga/shared';
import { runMain } from '@saga/shared/main';
import { startBillingService } from './service';

runMain(() => startBillingService(loadServiceConfig('billing')));
