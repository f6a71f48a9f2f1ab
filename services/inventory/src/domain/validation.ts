import { inventory, type BodyOf, type order } from '@saga/shared/contracts';
import { reply, type Decision, type Reply } from './decision';
import { catalog, decideStock, type ProductStock } from './stock';

export type ValidateInventoryCommand = BodyOf<typeof order.ValidateInventory>;

export interface ValidationState {
  /** The named products that exist, with their free stock. */
  products: readonly ProductStock[];
}

export type ValidationReply = Reply<typeof inventory.InventoryValidated> | Reply<typeof inventory.InventoryValidationFailed>;

/** Whether the order could be served from free stock now: answers, reserves and writes nothing. */
export function decideValidation(command: ValidateInventoryCommand, state: ValidationState): Decision<ValidationReply> {
  const stock = decideStock(command.items, catalog(state.products));
  return {
    writes: [],
    reply: stock.ok
      ? reply(inventory.InventoryValidated, { orderId: command.orderId })
      : reply(inventory.InventoryValidationFailed, { orderId: command.orderId, reason: stock.reason, code: stock.code }),
  };
}
