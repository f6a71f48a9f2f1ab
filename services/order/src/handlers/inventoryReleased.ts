import { inventory } from '@saga/shared/contracts';
import { sagaReply } from './sagaReply';

export const onInventoryReleased = sagaReply(inventory.InventoryReleased, ({ releasedQuantity }, at) => ({ type: 'InventoryReleased', at, releasedQuantity }));
