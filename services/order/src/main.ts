import { loadServiceConfig, startService } from '@saga/shared';
import { runMain } from '@saga/shared/main';
import { orderService } from './service';

runMain(() => startService(orderService, loadServiceConfig('order')));
