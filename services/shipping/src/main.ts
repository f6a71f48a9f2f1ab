import { faultsFromEnv, startService } from '@saga/shared';
import { runMain } from '@saga/shared/main';
import { serviceConfig } from '../../registry';
import { definition } from './service';

runMain(async () => startService(definition(process.env), serviceConfig('shipping'), faultsFromEnv()));
