import { inventory, type BodyOf, type order, decided, type DecidedMessage, type Decision } from '@saga/shared/contracts';
import type { InventoryWrite } from './decision';
import { catalog, decideStock, type ProductStock } from './stock';

export type ValidateInventoryCommand = BodyOf<typeof order.ValidateInventory>;

export interface ValidationState {
  /** The named products that exist, with their free stock. */
  products: readonly ProductStock[];
}

export type ValidationReply = DecidedMessage<typeof inventory.InventoryValidated> | DecidedMessage<typeof inventory.InventoryValidationFailed>;

/** Whether the order could be served from free stock now: answers, reserves and writes nothing. */
export function decideValidation(command: ValidateInventoryCommand, state: ValidationState): Decision<InventoryWrite, ValidationReply> {
  const stock = decideStock(command.items, catalog(state.products));
  return {
    writes: [],
    reply: stock.ok
      ? decided(inventory.InventoryValidated, { orderId: command.orderId })
      : decided(inventory.InventoryValidationFailed, { orderId: command.orderId, reason: stock.reason, code: stock.code }),
  };
}
