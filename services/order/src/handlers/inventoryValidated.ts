import { inventory } from '@saga/shared/contracts';
import { sagaReply } from './sagaReply';

export const onInventoryValidated = sagaReply(inventory.InventoryValidated, (_, at) => ({ type: 'InventoryValidated', at }));
