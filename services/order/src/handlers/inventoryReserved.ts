import { inventory } from '@saga/shared/contracts';
import { sagaReply } from './sagaReply';

export const onInventoryReserved = sagaReply(inventory.InventoryReserved, (_, at) => ({ type: 'InventoryReserved', at }));
