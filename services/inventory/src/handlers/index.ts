import type { MessageHandler } from '@saga/shared';
import { onReleaseInventory } from './releaseInventory';
import { onReserveInventory } from './reserveInventory';
import { onValidateInventory } from './validateInventory';

/** Everything the inventory service consumes; its queue bindings are derived from this list. */
export const inventoryHandlers: MessageHandler[] = [onValidateInventory, onReserveInventory, onReleaseInventory];
