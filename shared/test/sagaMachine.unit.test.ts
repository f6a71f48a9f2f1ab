import { initialTransition, transition } from 'xstate';
import { z } from 'zod';
import { contract, type Contract } from '../src/contracts/common';
import { checkDefinition, refusal, reply, send, type SagaDefinition } from '../src/saga/definition';
import { buildSagaMachine, sagaLabels, sagaOutputs, sagaReplies, sagaStatus, stepDeadlineMs, type SagaEvent } from '../src/saga/saga.machine';

// A toy saga of three steps, the middle one only for some inputs, to test what the
// builder derives from a definition (the order saga's own matrix is in services/order).
const Ref = z.object({ orderId: z.uuid() });
const Refused = Ref.extend({ reason: z.string(), code: z.string().optional() });
const c = (name: string) => contract(`domain.toy.${name}`, Ref);
const refused = (name: string) => contract(`domain.toy.${name}`, Refused);
const Pack = c('Pack'), Packed = c('Packed'), PackFailed = refused('PackFailed'), Unpack = c('Unpack'), Unpacked = c('Unpacked');
const Gift = c('Gift'), Gifted = c('Gifted'), GiftFailed = refused('GiftFailed');
const Ship = c('Ship'), Shipped = c('Shipped'), ShipFailed = refused('ShipFailed');
const Done = c('Done'), Failed = contract('domain.toy.Failed', Ref.extend({ reason: z.string() }));

interface Toy {
  orderId: string;
  gift: boolean;
}
const toy: SagaDefinition<Toy> = {
  name: 'toy',
  steps: [
    {
      name: 'Pack',
      command: send(Pack, (t: Toy) => ({ orderId: t.orderId })),
      succeeded: reply(Packed, () => 'packed'),
      failed: refusal(PackFailed),
      compensation: { name: 'Unpack', command: send(Unpack, (t: Toy) => ({ orderId: t.orderId })), done: reply(Unpacked, () => 'unpacked') },
    },
    { name: 'Gift', command: send(Gift, (t: Toy) => ({ orderId: t.orderId })), succeeded: reply(Gifted, () => 'gifted'), failed: refusal(GiftFailed), when: { applies: (t) => t.gift, otherwise: 'no gift wrapping asked' } },
    { name: 'Ship', command: send(Ship, (t: Toy) => ({ orderId: t.orderId })), succeeded: reply(Shipped, () => 'shipped'), failed: refusal(ShipFailed), deadlineMs: 5000 },
  ],
  completed: send(Done, (t: Toy) => ({ orderId: t.orderId })),
  failed: send(Failed, (t: Toy & { failureReason: string }) => ({ orderId: t.orderId, reason: t.failureReason })),
};
const machine = buildSagaMachine(toy);
const orderId = '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11';
const at = '2026-11-30T12:00:00.000Z';
const event = (of: Contract, body: object = {}): SagaEvent => sagaReplies(toy).find((r) => r.contract === of)!.toEvent({ orderId, ...body }, at);
const sent = (actions: Array<{ type: string; params?: unknown }>) => actions.filter((a) => a.type === 'send').map((a) => (a.params as { contract: { messageType: string } }).contract.messageType);

function run(input: Toy, ...events: SagaEvent[]) {
  let [snapshot, actions] = initialTransition(machine, input);
  const all = [...sent(actions)];
  for (const each of events) {
    [snapshot, actions] = transition(machine, snapshot, each);
    all.push(...sent(actions));
  }
  return { snapshot, sent: all };
}

describe('a saga machine built from its definition', () => {
  it('when a step applies only to some sagas, it is taken for them and skipped for the others', () => {
    expect(run({ orderId, gift: true }, event(Packed)).snapshot.value).toBe('Gift');
    const skipped = run({ orderId, gift: false }, event(Packed), event(Shipped));
    expect(skipped.sent).toEqual(['domain.toy.Pack', 'domain.toy.Ship', 'domain.toy.Done']);
    expect(skipped.snapshot.status).toBe('done');
    expect(skipped.snapshot.context.history.map((h) => `${h.step}:${h.status}:${h.message}`)).toEqual(['Pack:Completed:packed', 'Gift:Skipped:no gift wrapping asked', 'Ship:Completed:shipped']);
  });

  it('when a later step fails, it compensates what succeeded and carries the refusal to the outcome', () => {
    const failed = run({ orderId, gift: true }, event(Packed), event(GiftFailed, { reason: 'no paper', code: 'no_paper' }), event(Unpacked));
    expect(failed.sent).toEqual(['domain.toy.Pack', 'domain.toy.Gift', 'domain.toy.Unpack', 'domain.toy.Failed']);
    expect(failed.snapshot.value).toBe('Compensated');
    expect(failed.snapshot.context.history.map((h) => `${h.step}:${h.status}:${h.message}`)).toEqual(['Pack:Completed:packed', 'Gift:Failed:no paper', 'Unpack:Completed:unpacked']);
  });

  it('derives outputs, replies, labels, statuses and step deadlines from the same list', () => {
    expect(sagaOutputs(toy).commands.map((x) => x.messageType)).toEqual(['domain.toy.Pack', 'domain.toy.Unpack', 'domain.toy.Gift', 'domain.toy.Ship']);
    expect(sagaReplies(toy).map((r) => `${r.step}:${r.contract.messageType}`)).toEqual([
      'Pack:domain.toy.Packed', 'Pack:domain.toy.PackFailed', 'Unpack:domain.toy.Unpacked',
      'Gift:domain.toy.Gifted', 'Gift:domain.toy.GiftFailed', 'Ship:domain.toy.Shipped', 'Ship:domain.toy.ShipFailed',
    ]);
    expect(sagaLabels(toy)).toEqual({ steps: ['Pack', 'Gift', 'Ship'], compensations: ['Unpack'] });
    expect([sagaStatus(toy, 'Pack'), sagaStatus(toy, 'Ship'), sagaStatus(toy, 'Compensating')]).toEqual(['Started', 'InProgress', 'Compensating']);
    expect([stepDeadlineMs(toy, 'Ship', 30_000), stepDeadlineMs(toy, 'Pack', 30_000)]).toEqual([5000, 30_000]);
  });

  it('carries a refusal code on the event, and a missing one as "refused"', () => {
    expect(event(ShipFailed, { reason: 'lost', code: 'lost' })).toMatchObject({ outcome: 'failed', reason: 'lost', code: 'lost' });
    expect(event(ShipFailed, { reason: 'lost' })).toMatchObject({ outcome: 'failed', code: 'refused' });
  });

  it('refuses a definition whose first step has a condition, or that uses a name or a reply twice', () => {
    const [first, second, third] = toy.steps;
    expect(() => checkDefinition({ ...toy, steps: [second!, first!] })).toThrow(/first step \(Gift\) always applies/);
    expect(() => checkDefinition({ ...toy, steps: [first!, { ...third!, name: 'Pack' }] })).toThrow(/Pack used twice/);
    expect(() => checkDefinition({ ...toy, steps: [first!, { ...third!, succeeded: reply(Packed, () => 'again') }] })).toThrow(/Packed used twice/);
    expect(() => checkDefinition({ ...toy, steps: [first!, { ...third!, name: 'Completed' }] })).toThrow(/Completed used twice \(or reserved\)/);
  });
});
