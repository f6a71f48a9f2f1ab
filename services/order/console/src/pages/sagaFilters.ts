import { h } from '../dom';

/** The query names GET /console/api/sagas takes (and the hash query keeps). */
export const FILTER_NAMES = ['orderId', 'userId', 'status', 'step', 'version', 'minAgeSeconds', 'maxAgeSeconds', 'stuck'] as const;
const STATUSES = ['Started', 'InProgress', 'Compensating', 'Completed', 'Compensated', 'Failed'];

function field(label: string, control: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', null, label), control);
}

export function sagaFilterForm(current: URLSearchParams, apply: (filters: URLSearchParams) => void): HTMLFormElement {
  const value = (name: string) => current.get(name) ?? '';
  const text = (name: string, testid: string, attrs: Record<string, string> = {}) =>
    h('input', { name, value: value(name), 'data-testid': testid, autocomplete: 'off', ...attrs });
  const status = h(
    'select',
    { name: 'status', 'data-testid': 'filter-status' },
    h('option', { value: '' }, 'any'),
    STATUSES.map((s) => h('option', { value: s, selected: value('status') === s }, s)),
  );
  const form = h(
    'form',
    {
      class: 'filters',
      'data-testid': 'filters',
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        for (const [name, entry] of new FormData(form)) {
          const v = typeof entry === 'string' ? entry.trim() : '';
          if (v) next.set(name, v);
        }
        apply(next);
      },
    },
    field('Order id', text('orderId', 'filter-order-id')),
    field('User id', text('userId', 'filter-user-id')),
    field('Status', status),
    field('Current step', text('step', 'filter-step')),
    field('Definition version', text('version', 'filter-version', { type: 'number', min: '1', step: '1' })),
    field('Min age (s)', text('minAgeSeconds', 'filter-min-age', { type: 'number', min: '0' })),
    field('Max age (s)', text('maxAgeSeconds', 'filter-max-age', { type: 'number', min: '0' })),
    h(
      'label',
      { class: 'field check' },
      h('input', { type: 'checkbox', name: 'stuck', value: 'true', checked: value('stuck') === 'true', 'data-testid': 'filter-stuck' }),
      h('span', null, 'Stuck only'),
    ),
    h(
      'div',
      { class: 'filter-buttons' },
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'filter-apply' }, 'Apply'),
      h('button', { type: 'button', 'data-testid': 'filter-clear', onclick: () => apply(new URLSearchParams()) }, 'Clear'),
    ),
  );
  return form;
}
