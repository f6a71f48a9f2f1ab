import { z } from 'zod';
import { contract, type Contract } from '../src/contracts/common';
import { refusal, reply, send, type SagaDefinition, type Step } from '../src/saga/definition';
import type { SagaEvent } from '../src/saga/saga.machine';
import { finishOnThisVersion, migrateToNextVersion, SagaVersions, sagaVersion, type PersistedSaga } from '../src/saga/versions';

// A toy saga in two versions: version 2 adds a Wrap step for gifts (its input gains `gift`).
const Ref = z.object({ orderId: z.uuid() });
const Refused = Ref.extend({ reason: z.string(), code: z.string().optional() });
const c = (name: string) => contract(`domain.toy.${name}`, Ref);
const Pack = c('Pack'), Packed = c('Packed'), PackFailed = contract('domain.toy.PackFailed', Refused);
const Wrap = c('Wrap'), Wrapped = c('Wrapped'), WrapFailed = contract('domain.toy.WrapFailed', Refused);
const Done = c('Done'), Failed = contract('domain.toy.Failed', Ref.extend({ reason: z.string() }));

interface V1 {
  orderId: string;
}
interface V2 extends V1 {
  gift: boolean;
}
const pack: Step<V1> = { name: 'Pack', command: send(Pack, (t: V1) => ({ orderId: t.orderId })), succeeded: reply(Packed, () => 'packed'), failed: refusal(PackFailed) };
const wrap: Step<V2> = {
  name: 'Wrap',
  command: send(Wrap, (t: V2) => ({ orderId: t.orderId })),
  succeeded: reply(Wrapped, () => 'wrapped'),
  failed: refusal(WrapFailed),
  when: { applies: (t) => t.gift, otherwise: 'not a gift' },
};
const outcomes = {
  completed: send(Done, (t: V1) => ({ orderId: t.orderId })),
  failed: send(Failed, (t: V1 & { failureReason: string }) => ({ orderId: t.orderId, reason: t.failureReason })),
};
const v1: SagaDefinition<V1> = { name: 'toy', steps: [pack], ...outcomes };
const v2: SagaDefinition<V2> = { name: 'toy', steps: [pack, wrap], ...outcomes };

const orderId = '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11';
const at = '2026-11-30T12:00:00.000Z';
const finishing = [sagaVersion(1, v1, finishOnThisVersion('kept')), sagaVersion(2, v2, finishOnThisVersion('latest'))];
const toV2 = migrateToNextVersion<V1, V2>('a version-1 saga is no gift', (snapshot) => ({ ...snapshot, context: { ...snapshot.context, gift: false } }));
const migrating = [sagaVersion(1, v1, toV2), sagaVersion(2, v2, finishOnThisVersion('latest'))];

/** The reply `of` as the saga's version takes it. */
const replyEvent = (versions: SagaVersions<V1 | V2>, of: Contract) => (version: number): SagaEvent | undefined => versions.reply(version, of)?.toEvent({ orderId }, at);
const messageTypes = (messages: Array<{ contract: Contract }>) => messages.map((m) => m.contract.messageType);

/** A version-1 saga waiting for Packed, as stored by code whose current version was 1. */
function storedOnV1(): PersistedSaga<V1> {
  return new SagaVersions<V1>(finishing, 1).start({ orderId }).snapshot as PersistedSaga<V1>;
}

describe('versions of a saga definition', () => {
  it('starts new sagas on the current version, the latest unless told', () => {
    expect(new SagaVersions(finishing).start({ orderId, gift: true }).version).toBe(2);
    expect(new SagaVersions(finishing, 1).start({ orderId }).version).toBe(1);
  });

  it('given a version whose sagas finish on it, a saga of that version goes on with its own steps after a newer version is deployed', () => {
    const versions = new SagaVersions<V1 | V2>(finishing);
    const applied = versions.apply(1, storedOnV1(), replyEvent(versions, Packed), at);
    expect(applied).toMatchObject({ kind: 'changed', version: 1, after: { state: 'Completed', status: 'Completed', terminal: true } });
    if (applied.kind !== 'changed') return;
    expect(messageTypes(applied.messages)).toEqual(['domain.toy.Done']);
    expect(applied.after.context.history.map((h) => h.status)).toEqual(['Completed']);
  });

  it('given a version whose sagas migrate, a saga of that version is moved to the next one when it is next touched, and goes on with its steps', () => {
    const versions = new SagaVersions<V1 | V2>(migrating);
    const applied = versions.apply(1, storedOnV1(), replyEvent(versions, Packed), at);
    expect(applied).toMatchObject({ kind: 'changed', version: 2, before: { state: 'Pack' }, after: { state: 'Completed' } });
    if (applied.kind !== 'changed') return;
    expect(applied.snapshot.context).toMatchObject({ gift: false });
    expect(applied.after.context.history.map((h) => `${h.step}:${h.status}:${h.message}`)).toEqual([
      'Pack:Migrated:Moved from definition version 1 to 2: a version-1 saga is no gift',
      'Pack:Completed:packed',
      'Wrap:Skipped:not a gift',
    ]);
  });

  it('does not migrate while the version is still the current one (new sagas start on it)', () => {
    const versions = new SagaVersions<V1 | V2>(migrating, 1);
    expect(versions.apply(1, storedOnV1(), replyEvent(versions, Packed), at)).toMatchObject({ kind: 'changed', version: 1 });
  });

  it('reports a version it does not know, and never reads its snapshot', () => {
    const versions = new SagaVersions<V1 | V2>(finishing);
    const event = jest.fn();
    expect(versions.apply(3, { value: 'Anything', status: 'active', context: {} }, event, at)).toEqual({ kind: 'unknown-version', version: 3 });
    expect(event).not.toHaveBeenCalled();
    expect(versions.view(3, {})).toBeUndefined();
  });

  it('gives a reply only to the versions that take it', () => {
    const versions = new SagaVersions<V1 | V2>(finishing);
    expect(versions.reply(1, Wrapped)).toBeUndefined();
    expect(versions.reply(2, Wrapped)?.step).toBe('Wrap');
    expect(versions.replies().map((r) => r.messageType)).toEqual(['domain.toy.Packed', 'domain.toy.PackFailed', 'domain.toy.Wrapped', 'domain.toy.WrapFailed']);
    expect(versions.labels()).toEqual({ steps: ['Pack', 'Wrap'], compensations: [] });
  });

  it('refuses declarations that cannot work', () => {
    expect(() => new SagaVersions([])).toThrow('at least one version');
    expect(() => new SagaVersions([finishing[1]!, finishing[0]!])).toThrow('ascending');
    expect(() => new SagaVersions([sagaVersion(1, v1, toV2)])).toThrow('version 2, which is not declared');
    expect(() => new SagaVersions(finishing, 3)).toThrow('saga version 3 is not declared');
  });

  it('refuses a migration that leads to a state the next version does not have', () => {
    const lost = migrateToNextVersion<V1, V2>('broken', (snapshot) => ({ ...snapshot, value: 'Nowhere', context: { ...snapshot.context, gift: false } }));
    const versions = new SagaVersions<V1 | V2>([sagaVersion(1, v1, lost), sagaVersion(2, v2, finishOnThisVersion('latest'))]);
    expect(() => versions.apply(1, storedOnV1(), replyEvent(versions, Packed), at)).toThrow('state Nowhere, which version 2 does not have');
  });
});
