import type { HistoryEntry, SagaState } from '@saga/shared';
import { orderStatusOf } from './sagaView';

/** The lifecycle events a saga change can raise: the webhook event types, and what the event streams name. */
export const LIFECYCLE_EVENT_TYPES = [
  'order.created',
  'saga.step_completed',
  'saga.step_failed',
  'saga.step_skipped',
  'saga.compensation_started',
  'order.completed',
  'order.failed',
  'saga.stuck',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export interface LifecycleEvent {
  type: LifecycleEventType;
  /** The history entry it is about (a step's or a compensation's), if any. */
  entry?: HistoryEntry;
  /** Why, for an event that is about no entry (saga.stuck). */
  reason?: string;
}

const ENTRY_EVENTS: Record<HistoryEntry['status'], LifecycleEventType | undefined> = {
  Completed: 'saga.step_completed',
  Failed: 'saga.step_failed',
  TimedOut: 'saga.step_failed',
  Skipped: 'saga.step_skipped',
  Migrated: undefined,
};

/**
 * What a transition from `before` to `after` announces, in order: one event per history
 * entry it added (a compensation's entries too), then the start of compensation, then the
 * order's end.
 */
export function lifecycleOf(before: Pick<SagaState, 'status'>, after: Pick<SagaState, 'status' | 'terminal'>, added: readonly HistoryEntry[]): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  for (const entry of added) {
    const type = ENTRY_EVENTS[entry.status];
    if (type) events.push({ type, entry });
  }
  if (after.status === 'Compensating' && before.status !== 'Compensating') events.push({ type: 'saga.compensation_started' });
  if (after.terminal) events.push({ type: orderStatusOf(after) === 'Completed' ? 'order.completed' : 'order.failed' });
  return events;
}
