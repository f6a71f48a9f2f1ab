import { h } from './dom';
import { formatDuration, formatTime } from './format';
import { compensationNames } from './sagaState';
import type { SagaDetailJson } from './types';

/** The saga's history, each entry with the time since the one before (the first: since the saga began). */
export function timeline(detail: SagaDetailJson): HTMLElement {
  const compensations = compensationNames(detail.definition);
  let previous = new Date(detail.saga.createdAt).getTime();
  const entries = detail.saga.history.map((entry) => {
    const at = new Date(entry.timestamp).getTime();
    const since = Number.isNaN(at) || Number.isNaN(previous) ? '—' : `+${formatDuration(at - previous)}`;
    previous = at;
    const kind = compensations.has(entry.step) ? 'compensation' : 'step';
    return h(
      'li',
      { class: `entry entry-${kind} entry-${entry.status}`, 'data-testid': 'timeline-entry', 'data-step': entry.step, 'data-status': entry.status, 'data-kind': kind },
      h('time', { datetime: entry.timestamp, class: 'entry-time' }, formatTime(entry.timestamp)),
      h('span', { class: 'entry-since', title: 'since the previous entry' }, since),
      h('span', { class: 'entry-step' }, kind === 'compensation' ? h('span', { class: 'entry-kind' }, '↩ compensation') : null, entry.step),
      h('span', { class: `entry-status entry-status-${entry.status}` }, entry.status),
      h('span', { class: 'entry-message' }, entry.message),
    );
  });
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'timeline' },
    entries.length ? entries : h('li', { class: 'empty' }, 'No history yet.'),
  );
}
