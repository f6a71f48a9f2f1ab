import { billingHandlers } from '../services/billing/src/handlers';
import { inventoryHandlers } from '../services/inventory/src/handlers';
import { orderSagaMachine, orderSagaOutputs } from '../services/order/src/domain/orderSaga.machine';
import { orderHandlers } from '../services/order/src/handlers';

// Queue bindings are derived from each service's handler list, so these checks mean
// no message the saga sends or awaits can be left unbound on the broker.

const typesOf = (handlers: Array<{ contract: { messageType: string } }>) => handlers.map((h) => h.contract.messageType);
const shortName = (messageType: string) => messageType.split('.').at(-1);

describe('saga wiring', () => {
  it('has an order-service handler for every event the saga machine accepts, and no other', () => {
    expect(typesOf(orderHandlers).map(shortName).sort()).toEqual([...orderSagaMachine.root.events].sort());
  });

  it('has exactly one consuming service for every command the saga sends', () => {
    const consumers = [...typesOf(inventoryHandlers), ...typesOf(billingHandlers)];
    for (const command of orderSagaOutputs.commands) {
      expect(consumers.filter((type) => type === command.messageType)).toHaveLength(1);
    }
  });

  it('lets every reply a service sends reach the order service', () => {
    const orderInputs = new Set(typesOf(orderHandlers));
    for (const reply of ['domain.inventory.InventoryValidated', 'domain.inventory.InventoryValidationFailed', 'domain.inventory.InventoryReserved', 'domain.inventory.InventoryReservationFailed', 'domain.inventory.InventoryReleased', 'domain.billing.PaymentProcessed', 'domain.billing.PaymentFailed', 'domain.billing.PaymentRefunded']) {
      expect(orderInputs.has(reply)).toBe(true);
    }
  });
});
