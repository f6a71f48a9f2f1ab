import { inventory } from '@saga/shared/contracts';
import { sagaReply } from './sagaReply';

export const onInventoryReservationFailed = sagaReply(inventory.InventoryReservationFailed, ({ reason }, at) => ({ type: 'InventoryReservationFailed', at, reason }));
