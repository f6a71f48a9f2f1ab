import { billing, inventory } from '@saga/shared/contracts';
import { billingHandlers } from '../services/billing/src/handlers';
import { inventoryHandlers } from '../services/inventory/src/handlers';
import { orderSagaMachine, orderSagaOutputs } from '../services/order/src/domain/orderSaga.machine';
import { orderHandlers as buildOrderHandlers } from '../services/order/src/handlers';
import { OrderSagas } from '../services/order/src/saga/orderSagas';

const orderHandlers = buildOrderHandlers(new OrderSagas({ stepMs: 30_000, sagaMs: 300_000 }));

// Queue bindings are derived from each service's handler list, so these checks mean
// no message the saga sends or awaits can be left unbound on the broker.

const typesOf = (handlers: Array<{ contract: { messageType: string } }>) => handlers.map((h) => h.contract.messageType);
const shortName = (messageType: string) => messageType.split('.').at(-1);

describe('saga wiring', () => {
  it('has an order-service handler for every event the saga machine accepts, and no other', () => {
    // DeadlinePassed is raised by the order service's deadline sweeper, not received as a message.
    const fromMessages = orderSagaMachine.root.events.filter((type) => type !== 'DeadlinePassed');
    expect(typesOf(orderHandlers).map(shortName).sort()).toEqual([...fromMessages].sort());
  });

  it('has exactly one consuming service for every command the saga sends', () => {
    const consumers = [...typesOf(inventoryHandlers), ...typesOf(billingHandlers)];
    for (const command of orderSagaOutputs.commands) {
      expect(consumers.filter((type) => type === command.messageType)).toHaveLength(1);
    }
  });

  it('has an order-service handler for every reply inventory and billing can send', () => {
    const replies = [...Object.values(inventory), ...Object.values(billing)].map((c) => c.messageType);
    expect(replies.length).toBeGreaterThan(0);
    expect(typesOf(orderHandlers).sort()).toEqual(replies.sort());
  });
});
