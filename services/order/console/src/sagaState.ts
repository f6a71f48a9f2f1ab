import type { DefinitionJson, HistoryEntryJson, SagaStatus } from './types';

export type StepState = 'done' | 'failed' | 'skipped' | 'current' | 'pending';

const TERMINAL: ReadonlySet<SagaStatus> = new Set(['Completed', 'Compensated', 'Failed']);
export const isTerminal = (status: SagaStatus): boolean => TERMINAL.has(status);

/** The names of the definition's compensations: their history entries are compensations, not steps. */
export function compensationNames(definition: DefinitionJson | null): Set<string> {
  return new Set((definition?.steps ?? []).flatMap((step) => (step.compensation ? [step.compensation.name] : [])));
}

/** What the history says about one step (or compensation) of the drawing; the latest entry wins. */
export function stepState(name: string, history: HistoryEntryJson[], current: { step: string; status: SagaStatus }): StepState {
  if (!isTerminal(current.status) && current.step === name) return 'current';
  let state: StepState = 'pending';
  for (const entry of history) {
    if (entry.step !== name) continue;
    if (entry.status === 'Completed') state = 'done';
    else if (entry.status === 'Failed' || entry.status === 'TimedOut') state = 'failed';
    else if (entry.status === 'Skipped') state = 'skipped';
  }
  return state;
}
