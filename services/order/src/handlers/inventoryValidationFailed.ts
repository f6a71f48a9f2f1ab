import { inventory } from '@saga/shared/contracts';
import { sagaReply } from './sagaReply';

export const onInventoryValidationFailed = sagaReply(inventory.InventoryValidationFailed, ({ reason }, at) => ({ type: 'InventoryValidationFailed', at, reason }));
