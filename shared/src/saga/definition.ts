import type { BodyOf, Contract, DecidedMessage } from '../contracts/common';

/**
 * A saga declared as data: an ordered list of steps, each a command with its success and
 * failure replies and, if what it did must be undone when a later step fails, a
 * compensation. The state machine, the compensation map, the outputs, the reply bindings,
 * the history lines and the metric label sets are all derived from it (see
 * `buildSagaMachine`, `sagaOutputs`, `sagaReplies`). Adding a step is adding an entry.
 *
 * Every message a saga sends and takes is correlated by its envelope's correlation id,
 * which is the saga's id; a body's `orderId`, when it has one, must equal it (the kernel's
 * consumer checks it on receipt).
 */

/** A message the saga sends, made from its input. */
export type SagaMessage<C extends Contract = Contract> = DecidedMessage<C>;

/** A message the saga sends: its contract, and its body made from the saga's data. */
export interface Send<Data, C extends Contract = Contract> {
  contract: C;
  body: (data: Data) => BodyOf<C>;
}

/** A reply the saga takes: its contract, its line in the history, and when it cannot be about this saga. */
export interface Reply<Input, C extends Contract = Contract> {
  contract: C;
  /** The history line when it arrives, from its body. */
  describe: (body: BodyOf<C>) => string;
  /**
   * Why this reply cannot be about this saga (an amount that is not the order's, say), or
   * undefined when it can. Such a reply is refused (error queue, reply-mismatch), never
   * applied, whatever the saga's state: its sender is authenticated, so it is a bug or a
   * compromised service.
   */
  mismatch?: (input: Input, body: BodyOf<C>) => string | undefined;
}

/** What a failure reply's body must carry: why, and a short code (a metric label). */
export interface Refusal {
  reason: string;
  code?: string;
}

export interface Compensation<Input> {
  /** Names the compensation in the history, the API and the metrics (e.g. ReleaseInventory). */
  name: string;
  /**
   * Undoes the step. Its body must carry whatever the participant needs to refuse the
   * step's action should it arrive after the compensation (its tombstone): the step's
   * command may still be queued when the compensation runs.
   */
  command: Send<Input>;
  /** The participant's answer that the compensation is done (a success, whatever was undone). */
  done: Reply<Input>;
}

export interface Step<Input> {
  /** Names the step: the machine's state, the history, the API and the metrics (e.g. ReserveInventory). */
  name: string;
  command: Send<Input>;
  succeeded: Reply<Input>;
  /** The participant's refusal; its body carries `reason` and `code`. */
  failed: Contract;
  /** Set when the step's effect must be undone if a later step fails (or if its own deadline passes). */
  compensation?: Compensation<Input>;
  /** How long the step may wait for its reply; the saga's step timeout when unset. */
  deadlineMs?: number;
  /** Whether the step applies to this saga, decided on its input; always when unset. The first step always applies. */
  when?: Condition<Input>;
}

/** When a step applies, and the history line of a saga that skips it. */
export interface Condition<Input> {
  applies: (input: Input) => boolean;
  /** Why it was skipped, for the history (e.g. "No shipping address: nothing to ship"). */
  otherwise: string;
}

export interface SagaDefinition<Input> {
  /** The machine's id. */
  name: string;
  steps: ReadonlyArray<Step<Input>>;
  /** The event sent when every step succeeded. */
  completed: Send<Input>;
  /** The event sent when the saga failed or was compensated, with the reason. */
  failed: Send<Input & { failureReason: string }>;
}

// Typed constructors: each infers its contract, so a body or a describe that does not fit
// the contract fails to compile, and the definition holds them type-erased.

export const send = <Data, C extends Contract>(contract: C, body: (data: Data) => BodyOf<C>): Send<Data> => ({ contract, body }) as Send<Data>;

export const reply = <Input, C extends Contract>(
  contract: C,
  describe: (body: BodyOf<C>) => string,
  mismatch?: (input: Input, body: BodyOf<C>) => string | undefined,
): Reply<Input> => ({ contract, describe, mismatch }) as Reply<Input>;

/** A failure reply: its contract's body must have a reason (and may have a code). */
export const refusal = <C extends Contract>(contract: BodyOf<C> extends Refusal ? C : never): Contract => contract;

export const shortName = (contract: Contract): string => contract.messageType.split('.').at(-1)!;

/** The states every saga machine has besides its steps. */
export const BUILT_IN_STATES = ['Compensating', 'Completed', 'Failed', 'Compensated'] as const;

/** Checks what types cannot: unique names, one owner per reply, a first step that always applies. */
export function checkDefinition<Input>(definition: SagaDefinition<Input>): SagaDefinition<Input> {
  const { steps } = definition;
  if (steps.length === 0) throw new Error(`saga ${definition.name} has no steps`);
  if (steps[0]!.when) throw new Error(`saga ${definition.name}: the first step (${steps[0]!.name}) always applies; it cannot have a condition`);
  const names = steps.flatMap((step) => [step.name, ...(step.compensation ? [step.compensation.name] : [])]);
  const reserved = [...BUILT_IN_STATES, 'DeadlinePassed'];
  const replies = steps.flatMap((step) => [step.succeeded.contract, step.failed, ...(step.compensation ? [step.compensation.done.contract] : [])]).map(shortName);
  for (const [what, list] of [['step or compensation name', [...names, ...reserved]], ['reply', [...replies, ...reserved]]] as const) {
    const twice = list.filter((name, index) => list.indexOf(name) !== index);
    if (twice.length > 0) throw new Error(`saga ${definition.name}: ${what} ${twice.join(', ')} used twice (or reserved)`);
  }
  return definition;
}
