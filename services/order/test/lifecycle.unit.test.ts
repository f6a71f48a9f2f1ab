import type { HistoryEntry } from '@saga/shared';
import { lifecycleOf } from '../src/domain/lifecycle';

const entry = (step: string, status: HistoryEntry['status']): HistoryEntry => ({ step, status, message: `${step} ${status}`, timestamp: '2026-11-30T10:00:00.000Z' });

describe('lifecycleOf', () => {
  it('announces each step that completed, in order', () => {
    const added = [entry('ValidateInventory', 'Completed')];
    expect(lifecycleOf({ status: 'Started' }, { status: 'InProgress', terminal: false }, added)).toEqual([{ type: 'saga.step_completed', entry: added[0] }]);
  });

  it('announces a refused or timed-out step as failed, then the start of compensation', () => {
    for (const status of ['Failed', 'TimedOut'] as const) {
      const added = [entry('ProcessPayment', status)];
      expect(lifecycleOf({ status: 'InProgress' }, { status: 'Compensating', terminal: false }, added).map((event) => event.type)).toEqual(['saga.step_failed', 'saga.compensation_started']);
    }
  });

  it('does not announce compensation again while it goes on, and ends a compensated saga as a failed order', () => {
    const added = [entry('ReleaseInventory', 'Completed')];
    expect(lifecycleOf({ status: 'Compensating' }, { status: 'Compensated', terminal: true }, added).map((event) => event.type)).toEqual(['saga.step_completed', 'order.failed']);
  });

  it('announces a skipped step, and the completed order last', () => {
    const added = [entry('ProcessPayment', 'Completed'), entry('ScheduleShipping', 'Skipped')];
    expect(lifecycleOf({ status: 'InProgress' }, { status: 'Completed', terminal: true }, added).map((event) => event.type)).toEqual(['saga.step_completed', 'saga.step_skipped', 'order.completed']);
  });

  it('says nothing of a migration line', () => {
    expect(lifecycleOf({ status: 'InProgress' }, { status: 'InProgress', terminal: false }, [entry('ReserveInventory', 'Migrated')])).toEqual([]);
  });

  it('fails the order of a saga that failed with nothing to compensate', () => {
    expect(lifecycleOf({ status: 'Started' }, { status: 'Failed', terminal: true }, [entry('ValidateInventory', 'Failed')]).map((event) => event.type)).toEqual(['saga.step_failed', 'order.failed']);
  });
});
