import { initialTransition, transition } from 'xstate';
import type { Contract } from '../contracts/common';
import { BUILT_IN_STATES, type SagaDefinition, type SagaMessage } from './definition';
import { buildSagaMachine, sagaLabels, sagaOutputs, sagaReplies, sagaStatus, stepDeadlineMs, type HistoryEntry, type SagaContext, type SagaEvent, type SagaReply, type SagaStatus } from './saga.machine';

/**
 * The versions of one saga's definition, side by side. Every saga row records the version
 * it runs on; new sagas start on the current version; a stored snapshot is restored only
 * by the machine of its own version, so nothing is ever read through another version's
 * states. Each version says what becomes of its sagas in flight once a newer version
 * starts new sagas (`whenSuperseded`): they finish on it (the version is kept until they
 * have drained), or they are moved to the next version by a declared migration of their
 * snapshot, applied when the saga is next touched. A version the code does not know is
 * reported as such (`unknown-version`), for the caller to park the saga.
 */

/** A stored snapshot as XState persists it: the state, the context, whether it is done (and fields we carry through untouched). */
export interface PersistedSaga<Input> {
  value: string;
  status: 'active' | 'done';
  context: SagaContext<Input>;
  [field: string]: unknown;
}

/** What becomes of a version's sagas in flight when a newer version starts new sagas. */
export type WhenSuperseded =
  | { kind: 'finish'; why: string }
  | { kind: 'migrate'; why: string; migrate: (snapshot: PersistedSaga<never>) => PersistedSaga<unknown> };

/** They finish on the version they started on: it stays in the code until none is left in flight. */
export const finishOnThisVersion = (why: string): WhenSuperseded => ({ kind: 'finish', why });

/** They are moved to the next version by `migrate`, a pure function of the stored snapshot (its state must exist in the next version). */
export const migrateToNextVersion = <From, To>(why: string, migrate: (snapshot: PersistedSaga<From>) => PersistedSaga<To>): WhenSuperseded => ({
  kind: 'migrate',
  why,
  migrate: migrate as unknown as (snapshot: PersistedSaga<never>) => PersistedSaga<unknown>,
});

export interface SagaVersion<Input = unknown> {
  version: number;
  definition: SagaDefinition<Input>;
  whenSuperseded: WhenSuperseded;
}

/** Declares a version (typed on its definition's input). */
export const sagaVersion = <Input>(version: number, definition: SagaDefinition<Input>, whenSuperseded: WhenSuperseded): SagaVersion =>
  ({ version, definition, whenSuperseded }) as unknown as SagaVersion;

/** A saga's state as the caller shows it: the machine's state, its status, whether it has ended, its context. */
export interface SagaState<Input = unknown> {
  state: string;
  status: SagaStatus;
  /** The step under way, the compensation under way, or the terminal status. */
  currentStep: string;
  terminal: boolean;
  context: SagaContext<Input>;
}

/** The result of applying an event to a stored saga. */
export type Applied<Input = unknown> =
  | { kind: 'unknown-version'; version: number }
  | { kind: 'not-expected' }
  | {
      kind: 'changed';
      /** The version it runs on now (a newer one when it was migrated). */
      version: number;
      before: SagaState<Input>;
      after: SagaState<Input>;
      /** The snapshot to store. */
      snapshot: PersistedSaga<Input>;
      /** What the transition sends, in order. */
      messages: SagaMessage[];
    };

/** A started saga: its version, state, snapshot and first messages. */
export interface Started<Input = unknown> {
  version: number;
  after: SagaState<Input>;
  snapshot: PersistedSaga<Input>;
  messages: SagaMessage[];
}

type Machine = ReturnType<typeof buildSagaMachine<object>>;

interface Loaded {
  declared: SagaVersion;
  machine: Machine;
  replies: Map<string, SagaReply<unknown>>;
  states: ReadonlySet<string>;
}

const sentBy = (actions: ReadonlyArray<{ type: string; params?: unknown }>): SagaMessage[] =>
  actions.filter((action) => action.type === 'send').map((action) => action.params as SagaMessage);

/** `Input`: what any version's sagas carry (the union of the versions' inputs). */
export class SagaVersions<Input = unknown> {
  private readonly loaded = new Map<number, Loaded>();
  /** The version new sagas start on. */
  readonly current: number;

  /** `versions` in ascending order; new sagas start on `current` (the latest unless told). */
  constructor(versions: readonly SagaVersion[], current?: number) {
    if (versions.length === 0) throw new Error('a saga needs at least one version');
    versions.forEach((declared, index) => {
      const { version, definition, whenSuperseded } = declared;
      if (!Number.isSafeInteger(version) || version < 1) throw new Error(`saga version ${version} must be a positive integer`);
      if (index > 0 && version <= versions[index - 1]!.version) throw new Error(`saga versions must be declared in ascending order (${version} after ${versions[index - 1]!.version})`);
      if (whenSuperseded.kind === 'migrate' && versions[index + 1]?.version !== version + 1) {
        throw new Error(`saga version ${version} migrates to version ${version + 1}, which is not declared`);
      }
      const replies = new Map(sagaReplies(definition).map((reply) => [reply.contract.messageType, reply]));
      const states = new Set<string>([...definition.steps.map((step) => step.name), ...BUILT_IN_STATES]);
      this.loaded.set(version, { declared, machine: buildSagaMachine(definition as SagaDefinition<object>), replies, states });
    });
    this.current = current ?? versions.at(-1)!.version;
    if (!this.loaded.has(this.current)) throw new Error(`saga version ${this.current} is not declared (known: ${this.known().join(', ')})`);
  }

  known(): number[] {
    return [...this.loaded.keys()];
  }

  knows(version: number): boolean {
    return this.loaded.has(version);
  }

  definition(version: number): SagaDefinition<unknown> {
    return this.get(version).declared.definition;
  }

  /** Every version as declared, oldest first. */
  declared(): SagaVersion[] {
    return [...this.loaded.values()].map((loaded) => loaded.declared);
  }

  /** A new saga, on the current version. */
  start(input: Input): Started<Input> {
    const { machine } = this.get(this.current);
    const [snapshot, actions] = initialTransition(machine, input as object);
    return { version: this.current, after: this.stateOf(this.current, snapshot), snapshot: this.persist(machine, snapshot), messages: sentBy(actions) } as Started<Input>;
  }

  /** The reply `contract` as the saga's version takes it, or undefined when that version takes no such reply. */
  reply(version: number, contract: Contract): SagaReply<unknown> | undefined {
    return this.loaded.get(version)?.replies.get(contract.messageType);
  }

  /** How long the step under way may wait for its reply, on the saga's version. */
  stepDeadlineMs(version: number, currentStep: string, defaultMs: number): number {
    return this.loaded.has(version) ? stepDeadlineMs(this.definition(version), currentStep, defaultMs) : defaultMs;
  }

  /**
   * Applies `event` (made for the version the saga runs on once migrated) to a stored
   * snapshot of `version`. A version whose sagas migrate, older than the current one, is
   * first moved forward; the change is then stored on the newer version, with a history line.
   */
  apply(
    version: number,
    stored: unknown,
    event: (version: number, context: SagaContext<Input>) => SagaEvent | undefined,
    at: string,
  ): Applied<Input> {
    if (!this.loaded.has(version)) return { kind: 'unknown-version', version };
    const { version: runsOn, snapshot: persisted } = this.migrated(version, stored as PersistedSaga<unknown>, at);
    const { machine } = this.get(runsOn);
    const made = event(runsOn, persisted.context as SagaContext<Input>);
    if (!made) return { kind: 'not-expected' };
    const current = machine.resolveState(persisted as never);
    const [next, actions] = transition(machine, current, made);
    // An event its state does not take (a duplicate, a late reply) changes nothing, a migration included: it is made again next time.
    if (next === current) return { kind: 'not-expected' };
    const before = runsOn === version ? current : this.get(version).machine.resolveState(stored as never);
    return {
      kind: 'changed',
      version: runsOn,
      before: this.stateOf(version, before),
      after: this.stateOf(runsOn, next),
      snapshot: this.persist(machine, next),
      messages: sentBy(actions),
    } as Applied<Input>;
  }

  /** The machine state a stored snapshot of `version` shows. */
  view(version: number, stored: unknown): SagaState<Input> | undefined {
    if (!this.loaded.has(version)) return undefined;
    return this.stateOf(version, this.get(version).machine.resolveState(stored as never)) as SagaState<Input>;
  }

  /** The steps and compensations of every version, for the metrics' labels. */
  labels(): { steps: string[]; compensations: string[] } {
    const all = this.declared().map((declared) => sagaLabels(declared.definition));
    const unique = (lists: string[][]) => [...new Set(lists.flat())];
    return { steps: unique(all.map((labels) => labels.steps)), compensations: unique(all.map((labels) => labels.compensations)) };
  }

  /** Every reply any version takes, once each (the queue's bindings and handlers come from this list). */
  replies(): Contract[] {
    const byType = new Map(this.declared().flatMap((declared) => sagaReplies(declared.definition).map((reply) => [reply.contract.messageType, reply.contract] as const)));
    return [...byType.values()];
  }

  /** Everything any version sends. */
  outputs(): { commands: Contract[]; events: Contract[] } {
    const all = this.declared().map((declared) => sagaOutputs(declared.definition));
    const unique = (lists: Contract[][]) => [...new Map(lists.flat().map((contract) => [contract.messageType, contract])).values()];
    return { commands: unique(all.map((outputs) => outputs.commands)), events: unique(all.map((outputs) => outputs.events)) };
  }

  private migrated(version: number, snapshot: PersistedSaga<unknown>, at: string): { version: number; snapshot: PersistedSaga<unknown> } {
    let runsOn = version;
    let moved = snapshot;
    while (runsOn < this.current) {
      const { whenSuperseded } = this.get(runsOn).declared;
      if (whenSuperseded.kind !== 'migrate' || moved.status === 'done') break;
      const next = whenSuperseded.migrate(moved as PersistedSaga<never>);
      if (!this.get(runsOn + 1).states.has(next.value)) throw new Error(`the migration of saga version ${runsOn} led to state ${next.value}, which version ${runsOn + 1} does not have`);
      const entry: HistoryEntry = { step: next.value, status: 'Migrated', message: `Moved from definition version ${runsOn} to ${runsOn + 1}: ${whenSuperseded.why}`, timestamp: at };
      moved = { ...next, context: { ...next.context, history: [...next.context.history, entry] } };
      runsOn += 1;
    }
    return { version: runsOn, snapshot: moved };
  }

  private stateOf(version: number, snapshot: { value: unknown; status: string; context: unknown }): SagaState {
    const definition = this.definition(version);
    const context = snapshot.context as SagaContext<unknown>;
    const state = String(snapshot.value);
    return {
      state,
      status: sagaStatus(definition, state),
      currentStep: state === 'Compensating' ? (context.compensations.at(-1) ?? state) : state,
      terminal: snapshot.status === 'done',
      context,
    };
  }

  private persist(machine: Machine, snapshot: Parameters<Machine['getPersistedSnapshot']>[0]): PersistedSaga<never> {
    return machine.getPersistedSnapshot(snapshot) as unknown as PersistedSaga<never>;
  }

  private get(version: number): Loaded {
    const loaded = this.loaded.get(version);
    if (!loaded) throw new Error(`saga version ${version} is not known to this code (known: ${this.known().join(', ')})`);
    return loaded;
  }
}
