import { h, type Attrs, type Child } from './dom';
import { Problem } from './api';
import type { SagaStatus } from './types';

export function loading(text = 'Loading…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status', 'data-testid': 'loading' }, text);
}

export function problemText(error: unknown): { title: string; detail: string } {
  if (error instanceof Problem) return { title: error.title, detail: error.detail };
  return { title: 'Error', detail: error instanceof Error ? error.message : String(error) };
}

export function errorBox(error: unknown): HTMLElement {
  const { title, detail } = problemText(error);
  return h('div', { class: 'error-box', role: 'alert', 'data-testid': 'load-error' }, h('strong', null, title), ' ', detail);
}

/** Shows "Loading…" in `box`, then what `render` returns, or the problem. */
export async function load<T>(box: HTMLElement, fetcher: () => Promise<T>, render: (data: T) => Node): Promise<void> {
  box.replaceChildren(loading());
  try {
    box.replaceChildren(render(await fetcher()));
  } catch (error) {
    box.replaceChildren(errorBox(error));
  }
}

export function statusBadge(status: SagaStatus | string, testid = 'saga-status'): HTMLElement {
  return h('span', { class: `status status-${status}`, 'data-testid': testid }, status);
}

export function badge(text: string, kind: string, attrs: Attrs = {}): HTMLElement {
  return h('span', { ...attrs, class: `badge badge-${kind}` }, text);
}

/** A table that scrolls sideways on narrow screens. */
export function table(head: string[], rows: Child[], attrs: Attrs = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', attrs, h('thead', null, h('tr', null, head.map((title) => h('th', { scope: 'col' }, title)))), h('tbody', null, rows)),
  );
}

export function section(title: string, attrs: Attrs, ...children: Child[]): HTMLElement {
  return h('section', { ...attrs, class: `panel ${typeof attrs.class === 'string' ? attrs.class : ''}`.trim() }, h('h2', null, title), ...children);
}

/** A definition list of label → value pairs. */
export function facts(pairs: Array<[string, Child]>): HTMLElement {
  return h('dl', { class: 'facts' }, pairs.map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value))));
}

export function button(label: string, onclick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs, onclick }, label);
}
