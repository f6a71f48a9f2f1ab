import { loadServiceConfig } from '@saga/shared';
import { runMain } from '@saga/shared/main';
import { startOrderService } from './service';

runMain(() => startOrderService(loadServiceConfig('order')));
