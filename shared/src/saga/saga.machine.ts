import { assign, setup } from 'xstate';
import type { BodyOf, Contract } from '../contracts/common';
import { checkDefinition, shortName, type Reply, type SagaDefinition, type SagaMessage, type Send, type Step } from './definition';

/**
 * The state machine of a saga definition, pure: it never touches a database, a broker, a
 * clock or an id generator. Each event carries its time (`at`); what must be sent comes
 * out as `send` actions that the caller writes to the outbox in the same transaction as
 * the new snapshot.
 *
 * Each step is a state that sends its command on entry and waits for its success or
 * failure reply; success moves to the next step that applies (or Completed). A step's
 * compensation is pushed when the step succeeds; a failure compensates in reverse order
 * what succeeded (Compensating, then Compensated), or ends Failed when nothing did.
 * Events a state does not expect (duplicates, late replies) leave the snapshot unchanged.
 *
 * A passing deadline fails the step under way; since its action may still happen (the
 * command may be queued, or done with its reply lost), that step's own compensation is
 * run too, and the participants refuse an action that arrives after its compensation.
 * A deadline while compensating sends the compensation again: it is never dropped.
 */

export type SagaStatus = 'Started' | 'InProgress' | 'Completed' | 'Failed' | 'Compensating' | 'Compensated';

export interface HistoryEntry {
  /** The step or compensation it is about. */
  step: string;
  /** Skipped: its condition did not hold for this saga. Migrated: moved to a newer version of its definition. */
  status: 'Completed' | 'Failed' | 'TimedOut' | 'Skipped' | 'Migrated';
  message: string;
  timestamp: string;
}

export type SagaContext<Input> = Input & {
  /** Compensations of the steps that succeeded, by name, the most recent last. */
  compensations: string[];
  history: HistoryEntry[];
  failureReason: string | null;
};

/** A reply, as the machine takes it: a success with its body, or a refusal with its reason and code. */
export type ReplyEvent =
  | { type: string; at: string; outcome: 'succeeded'; body: unknown }
  | { type: string; at: string; outcome: 'failed'; reason: string; code: string };
/** Found by the deadline sweeper: no reply within the step's time, or the whole saga's. */
export interface DeadlineEvent {
  type: 'DeadlinePassed';
  at: string;
  deadline: 'step' | 'saga';
  afterMs: number;
}
export type SagaEvent = ReplyEvent | DeadlineEvent;

type Entry = Omit<HistoryEntry, 'timestamp'>;
type Args<Input> = { context: SagaContext<Input>; event: SagaEvent };

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;
const made = <Data>(send: Send<Data>, data: Data): SagaMessage => ({ contract: send.contract, body: send.body(data) });

function timeoutMessage(step: string, event: DeadlineEvent): string {
  return event.deadline === 'step' ? `No reply to ${step} within ${seconds(event.afterMs)}` : `Saga deadline of ${seconds(event.afterMs)} passed during ${step}`;
}

export function buildSagaMachine<Input extends object>(definition: SagaDefinition<Input>) {
  const { steps } = checkDefinition(definition);
  const compensations = new Map(steps.flatMap((step) => (step.compensation ? [[step.compensation.name, step.compensation] as const] : [])));
  const top = (context: SagaContext<Input>) => context.compensations.at(-1);

  const machineSetup = setup({
    types: {
      input: {} as Input,
      context: {} as SagaContext<Input>,
      events: {} as SagaEvent,
    },
    actions: {
      /** Carried out by the caller, which writes the message to the outbox. */
      send: (_, _message: SagaMessage) => undefined,
      // Each returns the context's changed part; `as never` because TypeScript cannot relate a generic Input's keys to them.
      record: assign(({ context, event }, entry: Entry) => ({ history: [...context.history, { ...entry, timestamp: event.at }] }) as never),
      pushCompensation: assign(({ context }, name: string) => ({ compensations: [...context.compensations, name] }) as never),
      popCompensation: assign(({ context }) => ({ compensations: context.compensations.slice(0, -1) }) as never),
      fail: assign((_, reason: string) => ({ failureReason: reason }) as never),
    },
    guards: {
      applies: ({ context }, index: number) => steps[index]!.when?.applies(context) ?? true,
      hasCompensations: ({ context }) => context.compensations.length > 0,
      compensating: ({ context }, expected: string) => top(context) === expected,
      moreCompensations: ({ context }, expected: string) => top(context) === expected && context.compensations.length > 1,
    },
  });

  const bodyOf = (event: SagaEvent) => (event as { body: unknown }).body as never;
  const reasonOf = (event: SagaEvent) => (event as { reason: string }).reason;

  /** A step whose condition did not hold, in the history. */
  const skip = (step: Step<Input>) => ({ type: 'record', params: (): Entry => ({ step: step.name, status: 'Skipped', message: step.when!.otherwise }) });

  /** Where a step's success leads: the next step that applies (recording those skipped on the way), else Completed. */
  function next(index: number, actions: readonly unknown[]) {
    const targets: Array<{ guard?: { type: 'applies'; params: number }; target: string; actions: readonly unknown[] }> = [];
    const skipped: unknown[] = [];
    for (let later = index + 1; later < steps.length; later += 1) {
      const step = steps[later]!;
      if (!step.when) return [...targets, { target: step.name, actions: [...actions, ...skipped] }];
      targets.push({ guard: { type: 'applies', params: later }, target: step.name, actions: [...actions, ...skipped] });
      skipped.push(skip(step));
    }
    return [...targets, { target: 'Completed', actions: [...actions, ...skipped] }];
  }

  const failActions = (step: string) => [
    { type: 'fail', params: ({ event }: Args<Input>) => reasonOf(event) },
    { type: 'record', params: ({ event }: Args<Input>): Entry => ({ step, status: 'Failed', message: reasonOf(event) }) },
  ];

  /** A deadline passed during a step: the step failed, but its action may still happen, so its own compensation joins those before it. */
  function timedOut(step: Step<Input>) {
    const message = ({ event }: Args<Input>) => timeoutMessage(step.name, event as DeadlineEvent);
    const actions = [
      { type: 'fail', params: message },
      { type: 'record', params: (args: Args<Input>): Entry => ({ step: step.name, status: 'TimedOut', message: message(args) }) },
      ...(step.compensation ? [{ type: 'pushCompensation', params: step.compensation.name }] : []),
    ];
    return step.compensation
      ? [{ target: 'Compensating', actions }]
      : [{ guard: 'hasCompensations', target: 'Compensating', actions }, { target: 'Failed', actions }];
  }

  const describe = (reply: Reply<Input>) => ({ event }: Args<Input>) => reply.describe(bodyOf(event));

  const stepStates = Object.fromEntries(
    steps.map((step, index) => {
      const succeeded = [
        { type: 'record', params: (args: Args<Input>): Entry => ({ step: step.name, status: 'Completed', message: describe(step.succeeded)(args) }) },
        ...(step.compensation ? [{ type: 'pushCompensation', params: step.compensation.name }] : []),
      ];
      return [
        step.name,
        {
          entry: { type: 'send', params: ({ context }: Args<Input>) => made(step.command, context) },
          on: {
            [shortName(step.succeeded.contract)]: next(index, succeeded),
            [shortName(step.failed)]: [
              { guard: 'hasCompensations', target: 'Compensating', actions: failActions(step.name) },
              { target: 'Failed', actions: failActions(step.name) },
            ],
            DeadlinePassed: timedOut(step),
          },
        },
      ];
    }),
  );

  /** A compensation's reply: run the next one down the stack, or end Compensated after the last. */
  const compensationDone = Object.fromEntries(
    [...compensations.values()].map((compensation) => {
      const actions = [
        { type: 'record', params: (args: Args<Input>): Entry => ({ step: compensation.name, status: 'Completed', message: describe(compensation.done)(args) }) },
        { type: 'popCompensation' },
      ];
      return [
        shortName(compensation.done.contract),
        [
          { guard: { type: 'moreCompensations', params: compensation.name }, target: 'Compensating', reenter: true, actions },
          { guard: { type: 'compensating', params: compensation.name }, target: 'Compensated', actions },
        ],
      ];
    }),
  );

  const outcome = (send: Send<Input & { failureReason: string }>) => ({ context }: Args<Input>) =>
    made(send, { ...context, failureReason: context.failureReason ?? 'Saga failed' });

  return machineSetup.createMachine({
    id: definition.name,
    context: ({ input }: { input: Input }) => ({ ...input, compensations: [], history: [], failureReason: null }) as SagaContext<Input>,
    initial: steps[0]!.name,
    states: {
      ...stepStates,
      Compensating: {
        entry: { type: 'send', params: ({ context }: Args<Input>) => made(compensations.get(top(context)!)!.command, context) },
        on: {
          ...compensationDone,
          DeadlinePassed: {
            target: 'Compensating',
            reenter: true,
            actions: {
              type: 'record',
              params: ({ context, event }: Args<Input>): Entry => ({
                step: top(context)!,
                status: 'TimedOut',
                message: `No reply to ${top(context)} within ${seconds((event as DeadlineEvent).afterMs)}; sent again`,
              }),
            },
          },
        },
      },
      Completed: { type: 'final', entry: { type: 'send', params: ({ context }: Args<Input>) => made(definition.completed, context) } },
      Failed: { type: 'final', entry: { type: 'send', params: outcome(definition.failed) } },
      Compensated: { type: 'final', entry: { type: 'send', params: outcome(definition.failed) } },
    },
  } as never);
}

export type SagaMachine<Input extends object> = ReturnType<typeof buildSagaMachine<Input>>;

/** Everything a saga sends: its commands (steps' and compensations') and its own outcome events. */
export function sagaOutputs<Input>(definition: SagaDefinition<Input>): { commands: Contract[]; events: Contract[] } {
  return {
    commands: definition.steps.flatMap((step) => [step.command.contract, ...(step.compensation ? [step.compensation.command.contract] : [])]),
    events: [definition.completed.contract, definition.failed.contract],
  };
}

/** One reply the saga takes, with how it becomes a machine event and when it must be refused. */
export interface SagaReply<Input> {
  contract: Contract;
  /** The step or compensation whose reply it is. */
  step: string;
  toEvent(body: unknown, at: string): ReplyEvent;
  mismatch(input: Input, body: unknown): string | undefined;
}

/** Every reply the saga takes (its queue's bindings come from this list), in step order. */
export function sagaReplies<Input>(definition: SagaDefinition<Input>): Array<SagaReply<Input>> {
  const succeeded = (step: string, reply: Reply<Input>): SagaReply<Input> => ({
    contract: reply.contract,
    step,
    toEvent: (body, at) => ({ type: shortName(reply.contract), at, outcome: 'succeeded', body }),
    mismatch: (input, body) => reply.mismatch?.(input, body as BodyOf<Contract>),
  });
  const failed = (step: string, contract: Contract): SagaReply<Input> => ({
    contract,
    step,
    toEvent: (body, at) => {
      const { reason, code } = body as { reason: string; code?: string };
      return { type: shortName(contract), at, outcome: 'failed', reason, code: code ?? 'refused' };
    },
    mismatch: () => undefined,
  });
  return definition.steps.flatMap((step) => [
    succeeded(step.name, step.succeeded),
    failed(step.name, step.failed),
    ...(step.compensation ? [succeeded(step.compensation.name, step.compensation.done)] : []),
  ]);
}

/** The names the metrics label by: the steps and the compensations. */
export function sagaLabels<Input>(definition: SagaDefinition<Input>): { steps: string[]; compensations: string[] } {
  return {
    steps: definition.steps.map((step) => step.name),
    compensations: definition.steps.flatMap((step) => (step.compensation ? [step.compensation.name] : [])),
  };
}

/** The saga's status in a state of its machine. */
export function sagaStatus<Input>(definition: SagaDefinition<Input>, state: string): SagaStatus {
  if (state === definition.steps[0]!.name) return 'Started';
  if (definition.steps.some((step) => step.name === state)) return 'InProgress';
  return state as SagaStatus;
}

/** How long the step under way may wait for its reply: its own deadline, or the default (which compensations always use). */
export function stepDeadlineMs<Input>(definition: SagaDefinition<Input>, current: string, defaultMs: number): number {
  return definition.steps.find((step) => step.name === current)?.deadlineMs ?? defaultMs;
}
