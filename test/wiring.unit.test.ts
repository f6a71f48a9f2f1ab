import { sagaReplies, type MessageHandler } from '@saga/shared';
import * as contracts from '@saga/shared/contracts';
import { PARTICIPANTS } from '../services/registry';
import { orderSaga } from '../services/order/src/domain/orderSaga.definition';
import { orderSagaMachine, orderSagaOutputs } from '../services/order/src/domain/orderSaga.machine';
import { orderHandlers as buildOrderHandlers } from '../services/order/src/handlers';
import { OrderSagas } from '../services/order/src/saga/orderSagas';

const orderHandlers = buildOrderHandlers(new OrderSagas({ stepMs: 30_000, sagaMs: 300_000 }));
/** Every participant's handlers but the orchestrator's, from the registry. */
const participantHandlers = PARTICIPANTS.filter((p) => p.name !== 'order').flatMap((p) => p.definition({}).handlers as readonly MessageHandler[]);

// Queue bindings are derived from each service's handler list, so these checks mean
// no message the saga sends or awaits can be left unbound on the broker.

const typesOf = (handlers: ReadonlyArray<{ contract: { messageType: string } }>) => handlers.map((h) => h.contract.messageType);
const shortName = (messageType: string) => messageType.split('.').at(-1);

describe('saga wiring', () => {
  it('has an order-service handler for every event the saga machine accepts, and no other', () => {
    // DeadlinePassed is raised by the order service's deadline sweeper, not received as a message.
    const fromMessages = orderSagaMachine.root.events.filter((type) => type !== 'DeadlinePassed');
    expect(typesOf(orderHandlers).map(shortName).sort()).toEqual([...fromMessages].sort());
    expect(typesOf(orderHandlers).sort()).toEqual(sagaReplies(orderSaga).map((r) => r.contract.messageType).sort());
  });

  it('has exactly one consuming participant for every command the saga sends', () => {
    const consumers = typesOf(participantHandlers);
    for (const command of orderSagaOutputs.commands) {
      expect([command.messageType, consumers.filter((type) => type === command.messageType)]).toEqual([command.messageType, [command.messageType]]);
    }
  });

  it('has an order-service handler for every reply the participants can send', () => {
    const replies = Object.values(contracts)
      .flatMap((module) => (typeof module === 'object' && module !== null ? Object.values(module) : []))
      .filter((c): c is contracts.Contract => typeof c === 'object' && c !== null && 'messageType' in c && 'producer' in c)
      .filter((c) => c.producer !== 'order')
      .map((c) => c.messageType);
    expect(replies.length).toBeGreaterThan(0);
    expect(typesOf(orderHandlers).sort()).toEqual(replies.sort());
  });
});
