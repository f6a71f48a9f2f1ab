import { buildSagaMachine, createLogger, Metrics, openDatabase, sagaReplies, ServiceTracer, shortName, systemRuntime, topology, type MessageHandler, type ServiceDefinition, type ServiceDeps } from '@saga/shared';
import * as contracts from '@saga/shared/contracts';
import { PARTICIPANTS } from '../services/registry';
import { orderSagaVersions } from '../services/order/src/domain/orderSaga.versions';
import { orderHandlers as buildOrderHandlers } from '../services/order/src/handlers';
import { OrderSagas } from '../services/order/src/saga/orderSagas';

const versions = orderSagaVersions();
const orderHandlers = buildOrderHandlers(new OrderSagas(versions, { stepMs: 30_000, sagaMs: 300_000 }));
const outputs = versions.outputs();
/** The service that sends the saga's commands. */
const orchestrator = outputs.commands[0]!.producer;

// A definition may build its handlers from its dependencies: give it ones that are never
// used here (a database handle that never connects, a registry of its own).
const database = openDatabase('postgres://127.0.0.1:1/never', { max: 1 });
afterAll(() => database.close());
const handlersOf = (definition: ServiceDefinition, name: string): readonly MessageHandler[] =>
  typeof definition.handlers === 'function'
    ? definition.handlers({ database, metrics: new Metrics(name), logger: createLogger(name, 'silent'), runtime: systemRuntime, topology: topology('wiring'), amqp: undefined as never, tracer: new ServiceTracer(name, 'wiring') } satisfies ServiceDeps)
    : definition.handlers;
/** Every participant's handlers (the orchestrator's excepted), from the registry. */
const participantHandlers = PARTICIPANTS.filter((p) => p.name !== orchestrator).flatMap((p) => handlersOf(p.definition({}), p.name));

// Queue bindings are derived from each service's handler list, so these checks mean
// no message the saga sends or awaits can be left unbound on the broker.

const typesOf = (handlers: ReadonlyArray<{ contract: { messageType: string } }>) => handlers.map((h) => h.contract.messageType);

describe('saga wiring', () => {
  it('has an order-service handler for every event a version of the saga machine accepts, and no other', () => {
    // DeadlinePassed is raised by the order service's deadline sweeper, not received as a message.
    const accepted = versions.declared().flatMap((declared) => buildSagaMachine(declared.definition as never).root.events.filter((type: string) => type !== 'DeadlinePassed'));
    expect(orderHandlers.map((h) => shortName(h.contract)).sort()).toEqual([...new Set(accepted)].sort());
    const replies = versions.declared().flatMap((declared) => sagaReplies(declared.definition).map((r) => r.contract.messageType));
    expect(typesOf(orderHandlers).sort()).toEqual([...new Set(replies)].sort());
  });

  it('has exactly one consuming participant for every command the saga sends', () => {
    const consumers = typesOf(participantHandlers);
    for (const command of outputs.commands) {
      expect([command.messageType, consumers.filter((type) => type === command.messageType)]).toEqual([command.messageType, [command.messageType]]);
    }
  });

  it("the registry's own orchestrator builds the same reply handlers", () => {
    const fromRegistry = handlersOf(PARTICIPANTS.find((p) => p.name === orchestrator)!.definition({}), orchestrator);
    expect(typesOf(fromRegistry).sort()).toEqual(typesOf(orderHandlers).sort());
  });

  it('has an order-service handler for every reply the participants can send', () => {
    const replies = Object.values(contracts)
      .flatMap((module) => (typeof module === 'object' && module !== null ? Object.values(module) : []))
      .filter((c): c is contracts.Contract => typeof c === 'object' && c !== null && 'messageType' in c && 'producer' in c)
      .filter((c) => c.producer !== orchestrator)
      .map((c) => c.messageType);
    expect(replies.length).toBeGreaterThan(0);
    expect(typesOf(orderHandlers).sort()).toEqual(replies.sort());
  });
});
